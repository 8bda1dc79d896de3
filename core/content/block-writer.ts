import { splitLines } from "./text-lines";

/**
 * Lays out text in lines and paragraphs for the HTML converters (html-text.ts,
 * markdown.ts): whitespace collapsed as a browser does, breaks asked for by
 * blocks written lazily (only between two pieces of content, never more than
 * one blank line), and line prefixes for quotes and list items. Markdown's
 * inline marks (`**`, `_`, a link's `[`…`](url)`) open just before the first
 * text inside them and are closed and reopened around each line break, so no
 * mark ever spans a paragraph.
 */

export interface BlockWriterOptions {
  /** Written at the end of a line that a `<br>`-like break ends (Markdown: `\`); "" in plain text. */
  hardBreak: string;
  /** Turns a word of text into output; `lineStart`: it is the first thing on its line. */
  escape: (word: string, lineStart: boolean) => string;
}

/** A paragraph break (one blank line) or a line break. */
export type BreakKind = "paragraph" | "line" | "hard-line";

interface PrefixFrame {
  first: string;
  rest: string;
  used: boolean;
}

interface Mark {
  open: string;
  close: string;
  emitted: boolean;
}

/** Quote and list levels shown; deeper ones are laid out at this depth. */
export const MAX_PREFIXES = 10;

const WHITESPACE = /[\t\n\f\r ]+/;
const INVISIBLE = /^(?:[\u00a0\u00ad\u200b-\u200d\u2060\ufeff]|\u034f)+$/;

export class BlockWriter {
  private readonly parts: string[] = [];
  private started = false;
  private lineHasContent = false;
  /** Newlines to write before the next content: 0, 1 or 2. */
  private owed = 0;
  /** Whether an owed single newline ends a line inside a paragraph (Markdown writes `hardBreak` there). */
  private owedHard = false;
  private pendingSpace = false;
  private singleLine = 0;
  private readonly frames: PrefixFrame[] = [];
  private readonly marks: Mark[] = [];
  private lastLinePrefix = "";

  constructor(private readonly options: BlockWriterOptions) {}

  /** Text as HTML shows it: runs of whitespace collapse to one space; U+00A0 is a space that does not collapse. */
  text(text: string): void {
    const words = text.split(WHITESPACE);
    for (const [index, word] of words.entries()) {
      if (index > 0) this.pendingSpace = true;
      if (word === "") continue;
      // A word of only no-break or zero-width spaces (Outlook's `<p>&nbsp;</p>`, padded preview text) is a space.
      if (INVISIBLE.test(word)) this.pendingSpace = true;
      else this.emit(this.options.escape(word.replaceAll("\u00a0", " "), this.atLineStart()));
    }
  }

  /** Content written as it is: no escaping, no collapsing (Markdown syntax, a table row). */
  raw(content: string): void {
    this.emit(content);
  }

  /**
   * Preformatted text: every line kept, each behind the current prefix. Used
   * for `<pre>` and Markdown code fences.
   */
  preformatted(text: string): void {
    const lines = splitLines(text);
    for (const [index, line] of lines.entries()) {
      if (index === 0) {
        this.emit(line, true);
        continue;
      }
      this.closeMarks();
      const prefix = this.linePrefix();
      this.parts.push("\n", prefix, line);
      this.lastLinePrefix = prefix;
    }
  }

  /**
   * Asks for a break before whatever comes next; nothing is written if nothing
   * comes. A "line" break (between list items, table rows) wins over a
   * "hard-line" one (the end of a `<div>`), which Markdown writes with `hardBreak`.
   */
  break(kind: BreakKind): void {
    this.pendingSpace = this.singleLine > 0;
    if (this.singleLine > 0) return;
    if (kind === "paragraph") this.owed = 2;
    else if (kind === "line") {
      if (this.owed === 0) this.owed = 1;
      this.owedHard = false;
    } else if (this.owed === 0) {
      this.owed = 1;
      this.owedHard = true;
    }
  }

  /** `<br>`: ends the line; two in a row leave a blank line. */
  lineBreak(): void {
    this.pendingSpace = this.singleLine > 0;
    if (this.singleLine > 0) return;
    if (this.owed === 0) this.owedHard = true;
    this.owed = Math.min(this.owed + 1, 2);
  }

  /**
   * Puts `first` before the next line and `rest` before each line after it,
   * until `popPrefix`. Past `MAX_PREFIXES` levels a prefix adds nothing: a line
   * 500 quotes deep would otherwise cost a kilobyte of `> ` per line of input.
   */
  pushPrefix(first: string, rest: string): void {
    const shown = this.frames.length < MAX_PREFIXES;
    this.frames.push({ first: shown ? first : "", rest: shown ? rest : "", used: false });
  }

  popPrefix(): void {
    this.frames.pop();
  }

  /** Until `endSingleLine`, breaks become spaces (a heading, a table cell). */
  beginSingleLine(): void {
    this.singleLine++;
  }

  endSingleLine(): void {
    this.singleLine--;
  }

  /** Opens an inline mark: `open` is written before the next content, `close` after the last. */
  pushMark(open: string, close: string): void {
    this.marks.push({ open, close, emitted: false });
  }

  popMark(): void {
    const mark = this.marks.pop();
    if (mark?.emitted) this.parts.push(mark.close);
  }

  /** Adds `content` after a space at the end of the current line, ahead of any break asked for. */
  appendToLine(content: string): void {
    if (!this.lineHasContent) return;
    this.parts.push(" ", content);
  }

  /** A position to read back from with `textSince`. */
  position(): number {
    return this.parts.length;
  }

  /** What has been written since `position`, prefixes and breaks included. */
  textSince(position: number): string {
    return this.parts.slice(position).join("");
  }

  /** The text: each line's trailing whitespace removed, the whole trimmed. */
  toString(): string {
    return this.parts
      .join("")
      .split("\n")
      .map((line) => line.trimEnd())
      .join("\n")
      .trim();
  }

  /** Whether the next content starts a line. */
  private atLineStart(): boolean {
    return (this.owed > 0 && this.started) || !this.lineHasContent;
  }

  private emit(content: string, preformatted = false): void {
    if (content === "" && !preformatted) return;
    if (this.owed > 0 && this.started) this.writeBreak();
    this.owed = 0;
    this.owedHard = false;
    if (!this.lineHasContent) {
      const prefix = this.linePrefix();
      this.parts.push(prefix);
      this.lastLinePrefix = prefix;
      this.pendingSpace = false;
    } else if (this.pendingSpace && !preformatted) {
      this.parts.push(" ");
    }
    this.pendingSpace = false;
    if (!preformatted) {
      for (const mark of this.marks) {
        if (mark.emitted) continue;
        this.parts.push(mark.open);
        mark.emitted = true;
      }
    }
    this.parts.push(content);
    this.started = true;
    this.lineHasContent = true;
  }

  private writeBreak(): void {
    this.closeMarks();
    const nextPrefix = this.restPrefix();
    if (this.owed === 1) {
      this.parts.push(this.owedHard ? `${this.options.hardBreak}\n` : "\n");
    } else {
      this.parts.push("\n", commonPrefix(this.lastLinePrefix, nextPrefix).trimEnd(), "\n");
    }
    this.lineHasContent = false;
  }

  /** Closes the marks written on this line, last first; they reopen before the next content. */
  private closeMarks(): void {
    for (let index = this.marks.length - 1; index >= 0; index--) {
      const mark = this.marks[index];
      if (!mark?.emitted) continue;
      this.parts.push(mark.close);
      mark.emitted = false;
    }
  }

  /** The prefix of the line about to start; marks each frame's first line as used. */
  private linePrefix(): string {
    let prefix = "";
    for (const frame of this.frames) {
      prefix += frame.used ? frame.rest : frame.first;
      frame.used = true;
    }
    return prefix;
  }

  /** The prefix a line after the first would get (for blank lines). */
  private restPrefix(): string {
    let prefix = "";
    for (const frame of this.frames) prefix += frame.used ? frame.rest : frame.first;
    return prefix;
  }
}

function commonPrefix(a: string, b: string): string {
  let index = 0;
  while (index < a.length && index < b.length && a[index] === b[index]) index++;
  return a.slice(0, index);
}
