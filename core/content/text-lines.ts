/**
 * The lines of a text. `splitLines` gives them as strings, for the readers
 * that take a text line by line (the classifiers, the converters);
 * `TextLines` as offsets into it, for reply.ts: where each starts and
 * ends, trimmed and not, and the first non-blank line from each, all found in
 * one pass. No line is copied until it is asked for, so two megabytes of blank
 * lines cost four typed arrays, not two million strings.
 */

/** The lines of a text, whatever its line endings (CRLF, CR or LF), without them. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** JavaScript's `trim` whitespace (and line terminators), by code unit. */
function isWhitespace(code: number): boolean {
  return (
    code === 32 ||
    (code >= 9 && code <= 13) ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

export class TextLines {
  readonly count: number;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly trimmedStarts: Int32Array;
  private readonly trimmedEnds: Int32Array;
  private readonly nextNonBlanks: Int32Array;

  /** `text` with `\n` line endings. */
  constructor(readonly text: string) {
    let count = 1;
    for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) count++;
    this.count = count;
    this.starts = new Int32Array(count);
    this.ends = new Int32Array(count);
    this.trimmedStarts = new Int32Array(count);
    this.trimmedEnds = new Int32Array(count);
    let start = 0;
    for (let index = 0; index < count; index++) {
      const newline = text.indexOf("\n", start);
      const end = newline === -1 ? text.length : newline;
      let from = start;
      while (from < end && isWhitespace(text.charCodeAt(from))) from++;
      let to = end;
      while (to > from && isWhitespace(text.charCodeAt(to - 1))) to--;
      this.starts[index] = start;
      this.ends[index] = end;
      this.trimmedStarts[index] = from;
      this.trimmedEnds[index] = to;
      start = end + 1;
    }
    this.nextNonBlanks = new Int32Array(count + 1);
    this.nextNonBlanks[count] = count;
    for (let index = count - 1; index >= 0; index--) {
      this.nextNonBlanks[index] = this.isBlank(index) ? (this.nextNonBlanks[index + 1] ?? count) : index;
    }
  }

  /** The line as written. */
  raw(index: number): string {
    return this.text.slice(this.starts[index], this.ends[index]);
  }

  /** The line trimmed. */
  line(index: number): string {
    return this.text.slice(this.trimmedStarts[index], this.trimmedEnds[index]);
  }

  /** The trimmed line's length. */
  length(index: number): number {
    return (this.trimmedEnds[index] ?? 0) - (this.trimmedStarts[index] ?? 0);
  }

  isBlank(index: number): boolean {
    return this.length(index) === 0;
  }

  /** The first code unit of the trimmed line (NaN when blank). */
  firstCode(index: number): number {
    return this.isBlank(index) ? Number.NaN : this.text.charCodeAt(this.trimmedStarts[index] ?? 0);
  }

  /** The last code unit of the trimmed line (NaN when blank). */
  lastCode(index: number): number {
    return this.isBlank(index) ? Number.NaN : this.text.charCodeAt((this.trimmedEnds[index] ?? 0) - 1);
  }

  /** Whether the line as written is exactly `value`. */
  rawEquals(index: number, value: string): boolean {
    const start = this.starts[index] ?? 0;
    return (this.ends[index] ?? 0) - start === value.length && this.text.startsWith(value, start);
  }

  /** Whether a code unit in `codes` is among the first `limit` of the trimmed line. */
  hasEarly(index: number, codes: number[], limit: number): boolean {
    const start = this.trimmedStarts[index] ?? 0;
    const end = Math.min(this.trimmedEnds[index] ?? 0, start + limit);
    for (let at = start; at < end; at++) {
      if (codes.includes(this.text.charCodeAt(at))) return true;
    }
    return false;
  }

  /** The lines at `indices` (ascending) as written, joined with `\n`: one slice per run of consecutive lines. */
  join(indices: number[]): string {
    const parts: string[] = [];
    let runStart = -1;
    let runEnd = -1;
    for (const index of indices) {
      if (index === runEnd + 1 && runStart !== -1) {
        runEnd = index;
        continue;
      }
      if (runStart !== -1) parts.push(this.text.slice(this.starts[runStart], this.ends[runEnd]));
      runStart = runEnd = index;
    }
    if (runStart !== -1) parts.push(this.text.slice(this.starts[runStart], this.ends[runEnd]));
    return parts.join("\n");
  }

  /** The first non-blank line at `index` or after it; `count` when there is none. */
  nextNonBlank(index: number): number {
    return this.nextNonBlanks[Math.min(index, this.count)] ?? this.count;
  }
}
