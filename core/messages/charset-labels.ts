import { canonicalCharset, listedCharset } from "../classify/charsets";

/**
 * Charset labels outside the WHATWG list, rewritten in the copy postal-mime
 * parses to the WHATWG label `canonicalCharset` gives (core/classify/charsets.ts).
 *
 * Why: postal-mime 4.0.0 decodes every charset with TextDecoder (`getDecoder`
 * in its src/decode-strings.ts). A label TextDecoder does not know is tried
 * again after a small alias table of its own and a normalisation (an `x-`, `cs`
 * or `x-ms-` prefix and every separator dropped, `cpNNN`/`msNNN` read as code
 * pages); anything still unknown is decoded as windows-1252, with nothing to say
 * so. `eucgb2312_cn` and `big5_tw` (Python's `email` package writes them) are
 * among those: their text came back as Latin-1 mojibake. postal-mime has no
 * hook for its decoder, so the labels are rewritten before it reads them.
 *
 * What is rewritten, and where: only in header sections as postal-mime finds
 * them (the message's own, and each part of a multipart, by the same line and
 * boundary rules as its `processLine` and `readLine`), only ASCII labels, and
 * only a label TextDecoder does not know that the alias table names:
 * - the charset of an RFC 2047 encoded word (`=?big5_tw?B?…?=`), in any field;
 * - a `charset=` parameter of Content-Type;
 * - the charset of an RFC 2231 extended parameter (`filename*=big5_tw''%A4…`)
 *   of Content-Type and Content-Disposition.
 * A Content-Type field that has a `boundary` is left alone, so a part's
 * delimiter is always the one the sender wrote.
 *
 * What is not: bodies (a text that mentions `charset=big5_tw` reads as sent),
 * and the header sections inside a message/rfc822 part, which postal-mime
 * parses from the part's decoded content, and which may be an attachment whose
 * bytes must stay as sent. Only the parser's input changes, never what is stored.
 */
export interface RelabelledMessage {
  /** What postal-mime parses: the input itself (no copy) when no label was rewritten. */
  bytes: Uint8Array;
  /** A label in the message's own header section was rewritten: the `headers` postal-mime lists show it. */
  topSectionChanged: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const DASH = 0x2d;

interface Boundary {
  value: Uint8Array;
  /** Depth of the multipart that declared it (the message itself is 0). */
  depth: number;
}

interface Edit {
  start: number;
  end: number;
  label: string;
}

/**
 * `bytes` with the charset labels above rewritten. `limits` are postal-mime's:
 * it refuses a message with a part deeper than `maxNestingDepth`, or with more
 * header bytes in all its sections than `maxHeadersSize`, so nothing past that
 * point is read here either (which bounds the text decoded here to that size).
 */
export function relabelCharsets(
  bytes: Uint8Array,
  limits: { maxNestingDepth: number; maxHeadersSize: number },
): RelabelledMessage {
  const edits: Edit[] = [];
  const labels = new Map<string, string | null>();
  const boundaries: Boundary[] = [];
  let topEnd = -1;
  let depth = 0;
  let headerSize = 0;
  let inHeader = true;
  let sectionStart = 0;
  const endSection = (end: number): Uint8Array | null => {
    if (topEnd < 0) topEnd = end;
    inHeader = false;
    return relabelSection(bytes, sectionStart, end, edits, labels);
  };

  let pos = 0;
  let walking = true;
  while (walking && pos < bytes.byteLength) {
    const lf = bytes.indexOf(LF, pos);
    const next = lf === -1 ? bytes.byteLength : lf + 1;
    // A line ends at LF; the CRs before it are not part of it (postal-mime `readLine`).
    let end = lf === -1 ? bytes.byteLength : lf;
    while (end > pos && bytes[end - 1] === CR) end--;

    const delimiter = boundaries.length > 0 ? matchDelimiter(bytes, pos, end, boundaries) : null;
    if (delimiter) {
      // A delimiter ends the part before it even within its header section.
      if (inHeader) endSection(pos);
      boundaries.length = delimiter.index + (delimiter.close ? 0 : 1);
      if (delimiter.close) {
        walking = boundaries.length > 0;
      } else {
        depth = (boundaries[delimiter.index]?.depth ?? 0) + 1;
        // postal-mime refuses the message here; nothing after this is parsed.
        if (depth > limits.maxNestingDepth) break;
        inHeader = true;
        sectionStart = next;
      }
    } else if (inHeader && end === pos) {
      const boundary = endSection(pos);
      if (boundary) boundaries.push({ value: boundary, depth });
      // Without an open multipart no later line can start a header section.
      walking = boundaries.length > 0;
    } else if (inHeader) {
      // Counted as postal-mime counts (each line without its line break), across every section.
      headerSize += end - pos;
      if (headerSize > limits.maxHeadersSize) break;
    }
    pos = next;
  }
  if (pos >= bytes.byteLength && walking && inHeader) endSection(bytes.byteLength);

  if (edits.length === 0) return { bytes, topSectionChanged: false };
  return { bytes: applyEdits(bytes, edits), topSectionChanged: edits.some((edit) => edit.start < topEnd) };
}

/** The boundary a line opens or closes (innermost first, as postal-mime tries them), or null. */
function matchDelimiter(
  bytes: Uint8Array,
  start: number,
  end: number,
  boundaries: Boundary[],
): { index: number; close: boolean } | null {
  if (end - start <= 2 || bytes[start] !== DASH || bytes[start + 1] !== DASH) return null;
  for (let index = boundaries.length - 1; index >= 0; index--) {
    const value = (boundaries[index] as Boundary).value;
    if (end - start < value.byteLength + 2) continue;
    let same = true;
    for (let at = 0; at < value.byteLength && same; at++) same = bytes[start + 2 + at] === value[at];
    if (!same) continue;
    let after = start + 2 + value.byteLength;
    const close = end - after >= 2 && bytes[after] === DASH && bytes[after + 1] === DASH;
    if (close) after += 2;
    // RFC 2046 section 5.1.1: only linear white space may follow the boundary.
    while (after < end && (bytes[after] === SP || bytes[after] === HT)) after++;
    if (after === end) return { index, close };
  }
  return null;
}

// One character per byte (WHATWG windows-1252 maps every byte), so an index in the text is an offset in
// the bytes. Shared: nothing decodes with `stream`, so each call starts afresh.
const SECTION_DECODER = new TextDecoder("windows-1252");

// postal-mime's encoded-word grammar (`ENCODED_WORD_PATTERN`): the label runs to the next `?`.
const ENCODED_WORD = /=\?([^?\s]+)\?[QqBb]\?[^?]*\?=/g;

/**
 * Records the label edits of one header section (`bytes[start, end)`) and
 * returns the boundary its Content-Type declares for a multipart, or null.
 */
function relabelSection(
  bytes: Uint8Array,
  start: number,
  end: number,
  edits: Edit[],
  labels: Map<string, string | null>,
): Uint8Array | null {
  if (end <= start) return null;
  const text = SECTION_DECODER.decode(bytes.subarray(start, end));
  let boundary: Uint8Array | null = null;
  let seenContentType = false;
  for (const field of splitFields(text)) {
    const colon = field.text.indexOf(":");
    if (colon < 0) continue;
    const name = field.text.slice(0, colon).trim().toLowerCase();
    const isContentType = name === "content-type";
    if (isContentType && !seenContentType) {
      // The first Content-Type decides (postal-mime ignores later copies).
      seenContentType = true;
      boundary = multipartBoundary(field.text.slice(colon + 1));
    }
    if (isContentType && /boundary/i.test(field.text)) continue;
    const at = start + field.start;
    for (const match of field.text.matchAll(ENCODED_WORD)) {
      const label = (match[1] as string).split("*")[0] as string;
      addEdit(edits, labels, at + (match.index ?? 0) + 2, label);
    }
    if (!isContentType && name !== "content-disposition") continue;
    for (const parameter of parameterLabels(field.text, colon + 1, isContentType)) {
      addEdit(edits, labels, at + parameter.offset, parameter.label);
    }
  }
  return boundary;
}

/**
 * The charset labels in a structured field's parameters, from `from` on: the
 * value of `charset` (with `withCharset`), and the charset before `'lang'` in an
 * RFC 2231 extended value (`name*=` or `name*0*=`). Parameters split at `;`
 * outside quoted strings, so a quoted filename that mentions a charset is text.
 */
function parameterLabels(
  text: string,
  from: number,
  withCharset: boolean,
): Array<{ offset: number; label: string }> {
  const found: Array<{ offset: number; label: string }> = [];
  const parameterAt = (start: number, stop: number) => {
    const equals = text.indexOf("=", start);
    if (equals < 0 || equals >= stop) return;
    const name = text.slice(start, equals).trim().toLowerCase();
    let value = equals + 1;
    while (value < stop && /\s/.test(text.charAt(value))) value++;
    if (text.charAt(value) === '"') value++;
    if (withCharset && name === "charset") {
      const label = /^[^\s;"]+/.exec(text.slice(value, stop))?.[0];
      if (label) found.push({ offset: value, label });
    } else if (/^[^\s*]+\*(?:0\*)?$/.test(name)) {
      const label = /^([^\s'";]+)'[^'\s;"]*'/.exec(text.slice(value, stop))?.[1];
      if (label) found.push({ offset: value, label });
    }
  };
  let start = from;
  let quoted = false;
  for (let at = from; at < text.length; at++) {
    const char = text.charAt(at);
    if (quoted && char === "\\") at++;
    else if (char === '"') quoted = !quoted;
    else if (char === ";" && !quoted) {
      parameterAt(start, at);
      start = at + 1;
    }
  }
  parameterAt(start, text.length);
  return found;
}

/** The fields of a header section: each starts on a line that does not start with WSP. */
function splitFields(text: string): Array<{ start: number; text: string }> {
  const fields: Array<{ start: number; text: string }> = [];
  let fieldStart = 0;
  let lineStart = 0;
  while (lineStart < text.length) {
    const lf = text.indexOf("\n", lineStart);
    const next = lf === -1 ? text.length : lf + 1;
    const first = text.charCodeAt(lineStart);
    if (lineStart > 0 && first !== SP && first !== HT) {
      fields.push({ start: fieldStart, text: text.slice(fieldStart, lineStart) });
      fieldStart = lineStart;
    }
    lineStart = next;
  }
  fields.push({ start: fieldStart, text: text.slice(fieldStart) });
  return fields;
}

/** The `boundary` parameter of a multipart Content-Type value (the first one), as bytes; else null. */
function multipartBoundary(value: string): Uint8Array | null {
  const unfolded = value.replace(/[\r\n]+/g, "");
  const type = (unfolded.split(";", 1)[0] ?? "").trim().toLowerCase();
  if (!type.startsWith("multipart/")) return null;
  const match = /;\s*boundary\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/i.exec(unfolded);
  if (!match) return null;
  const boundary = match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : (match[2] ?? "").trim();
  if (boundary === "") return null;
  // The text holds one character per byte: its char codes are the bytes as written.
  return Uint8Array.from(boundary, (char) => char.charCodeAt(0));
}

/** Records a rewrite of the label at `offset` when it needs one. */
function addEdit(edits: Edit[], labels: Map<string, string | null>, offset: number, label: string): void {
  const replacement = replacementLabel(label, labels);
  if (replacement !== null) edits.push({ start: offset, end: offset + label.length, label: replacement });
}

/**
 * The WHATWG label to write for `label`, or null to leave it: the alias table
 * does not list it (postal-mime's own aliases may still know it), lists it as a
 * charset no TextDecoder implements, or TextDecoder knows the label as written
 * (postal-mime then decodes it as itself). The table is looked up first, so an
 * unknown label costs no TextDecoder; the answers are kept for the message.
 */
function replacementLabel(label: string, labels: Map<string, string | null>): string | null {
  if (!/^[\x21-\x7e]+$/.test(label)) return null;
  const clean = label.toLowerCase();
  const known = labels.get(clean);
  if (known !== undefined) return known;
  let replacement: string | null = null;
  if (listedCharset(clean)) {
    try {
      new TextDecoder(clean);
    } catch {
      const target = canonicalCharset(clean);
      replacement = target !== null && target !== clean ? target : null;
    }
  }
  labels.set(clean, replacement);
  return replacement;
}

/** A copy of `bytes` with each edit's span replaced by its label (ASCII); overlapping edits after the first are dropped. */
function applyEdits(bytes: Uint8Array, edits: Edit[]): Uint8Array {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  const kept: Edit[] = [];
  let size = bytes.byteLength;
  for (const edit of sorted) {
    const previous = kept[kept.length - 1];
    if (previous && edit.start < previous.end) continue;
    kept.push(edit);
    size += edit.label.length - (edit.end - edit.start);
  }
  const out = new Uint8Array(size);
  let from = 0;
  let to = 0;
  for (const edit of kept) {
    out.set(bytes.subarray(from, edit.start), to);
    to += edit.start - from;
    for (let at = 0; at < edit.label.length; at++) out[to + at] = edit.label.charCodeAt(at);
    to += edit.label.length;
    from = edit.end;
  }
  out.set(bytes.subarray(from), to);
  return out;
}
