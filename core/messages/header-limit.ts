/**
 * Bounds on a message's header section, checked in one pass before anything
 * parses it. What is stored is always the bytes as received; these bounds
 * decide only what the parsers are given:
 *
 * - Within `HEADER_LINE_LIMIT` and `DKIM_SIGNATURE_LIMIT`, both parsers get
 *   the bytes as received.
 * - Over `HEADER_LINE_LIMIT` (a header section built to be slow to parse):
 *   mailauth does not read it (DKIM, DMARC and ARC answer `permerror`, SPF is
 *   checked on the envelope: smtp-edge/checks/run-sender-auth.ts), and
 *   postal-mime parses a copy in which each header field is cut at
 *   `HEADER_FIELD_LIMIT_BYTES`, the rest of that field discarded, as Postfix's
 *   `header_size_limit` does; the body and the other fields are untouched.
 * - Over `DKIM_SIGNATURE_LIMIT`: mailauth does not read it; postal-mime parses
 *   the message as received.
 *
 * A long field in a header section of few lines (a 209 KB Subject folded into
 * 3,300 lines is in the test corpus) costs both parsers linear time, so it is
 * parsed whole; postal-mime's own budget (2 MiB of header bytes per message,
 * parse.ts) bounds the rest.
 *
 * One linear pass over the bytes, nothing decoded: it must cost less than the
 * parsers it protects.
 */

/**
 * Bytes of one header field, its continuation lines and line breaks included,
 * kept in the copy postal-mime parses when the section is over
 * `HEADER_LINE_LIMIT`: Postfix's `header_size_limit` default ("If a header is
 * larger, the excess is discarded").
 */
export const HEADER_FIELD_LIMIT_BYTES = 102_400;

/**
 * Lines of the header section (each LF ends one). The cost this bounds:
 * mailauth 7.1.0 `parseHeaders` (lib/tools.js) unfolds from the last line up
 * with `rows[i - 1] = rows[i - 1].concat(rows[i])` and `rows.splice(i, 1)`, so
 * each continuation line copies every line gathered for its field so far and
 * shifts every row below it: O(lines²). One field folded into 200,000 lines
 * (781 KB) took 78 s; 10,000 lines take ~40 ms.
 * The report for postalsys/mailauth, with a linear unfolding that gives the same output, is in
 * docs/upstream/mailauth-parse-headers.md (to be filed; put its URL here). Once fixed upstream this
 * bound can rise; the 102,400-byte field cut stays (Postfix's rule).
 */
export const HEADER_LINE_LIMIT = 10_000;

/**
 * DKIM-Signature fields. mailauth verifies every one: a DNS query, an RSA
 * verification, a scan of all header fields, and a body hash per distinct
 * `c=`/`a=`/`l=`, so 300 signatures with distinct `l=` over an 18 MB body held
 * a thread for 50 s. KumoMTA verifies at most 10 for the same reason; real mail
 * carries one to three.
 */
export const DKIM_SIGNATURE_LIMIT = 10;

export interface HeaderSection {
  /** Offset of the first body byte (after the blank line), or the message length when there is none. */
  bodyStart: number;
  /** Lines in the header section, the blank line not counted. */
  lines: number;
  dkimSignatures: number;
  /** ARC-Message-Signature fields: with the DKIM-Signature fields, the only ones whose check reads the body. */
  arcMessageSignatures: number;
  /** Names (as written) of the fields over `HEADER_FIELD_LIMIT_BYTES`, in order. */
  oversizedFields: string[];
  /** The bound on what mailauth reads that the section breaks, in words (for an auth result); null within. */
  overLimit: string | null;
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;
const DKIM_SIGNATURE = new TextEncoder().encode("dkim-signature");
const ARC_MESSAGE_SIGNATURE = new TextEncoder().encode("arc-message-signature");
const CRLF = new Uint8Array([CR, LF]);

/** One pass over the header section: its size in lines, its fields, and which bound (if any) it breaks. */
export function scanHeaderSection(raw: Uint8Array): HeaderSection {
  return walkHeaderSection(raw, null);
}

/**
 * The bytes postal-mime parses: `raw` itself (no copy) when the header section
 * is within `HEADER_LINE_LIMIT` lines or has no field over
 * `HEADER_FIELD_LIMIT_BYTES`; else a copy with each such field cut there (at a
 * UTF-8 character boundary, the line ended with CRLF) and the rest of that
 * field dropped.
 */
export function boundHeaderFields(raw: Uint8Array): { bytes: Uint8Array; section: HeaderSection } {
  const scanned = walkHeaderSection(raw, null);
  if (scanned.lines <= HEADER_LINE_LIMIT || scanned.oversizedFields.length === 0) {
    return { bytes: raw, section: scanned };
  }
  const pieces: Uint8Array[] = [];
  const section = walkHeaderSection(raw, pieces);
  pieces.push(raw.subarray(section.bodyStart));
  let size = 0;
  for (const piece of pieces) size += piece.byteLength;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const piece of pieces) {
    bytes.set(piece, offset);
    offset += piece.byteLength;
  }
  return { bytes, section };
}

/**
 * Walks the header lines. With `pieces`, also collects the header section of a
 * copy whose fields are cut at the limit, its blank line included; the caller
 * adds the body (from `bodyStart`).
 */
function walkHeaderSection(raw: Uint8Array, pieces: Uint8Array[] | null): HeaderSection {
  const oversizedFields: string[] = [];
  let lines = 0;
  let dkimSignatures = 0;
  let arcMessageSignatures = 0;
  // The field being read: where its first line starts and ends, its bytes so far, whether it was cut.
  let fieldStart = 0;
  let fieldFirstEnd = 0;
  let fieldBytes = 0;
  let fieldCut = false;
  let pos = 0;
  let bodyStart = raw.byteLength;
  while (pos < raw.byteLength) {
    const lf = raw.indexOf(LF, pos);
    const lineEnd = lf === -1 ? raw.byteLength : lf + 1;
    const contentEnd = lf === -1 ? raw.byteLength : lf > pos && raw[lf - 1] === CR ? lf - 1 : lf;
    if (contentEnd === pos && lf !== -1) {
      // The blank line: the body starts after it.
      pieces?.push(raw.subarray(pos, lineEnd));
      bodyStart = lineEnd;
      break;
    }
    lines++;
    const first = raw[pos];
    if (lines === 1 || (first !== SP && first !== HT)) {
      // A line that does not start with WSP starts a field (RFC 5322 section 2.2.3).
      fieldStart = pos;
      fieldFirstEnd = contentEnd;
      fieldBytes = 0;
      fieldCut = false;
      if (startsWithName(raw, pos, contentEnd, DKIM_SIGNATURE)) dkimSignatures++;
      else if (startsWithName(raw, pos, contentEnd, ARC_MESSAGE_SIGNATURE)) arcMessageSignatures++;
    }
    const lineBytes = lineEnd - pos;
    if (!fieldCut && fieldBytes + lineBytes > HEADER_FIELD_LIMIT_BYTES) {
      fieldCut = true;
      oversizedFields.push(nameOfField(raw, fieldStart, fieldFirstEnd));
      if (pieces) {
        // What still fits of this line, then CRLF; the later lines of the field are dropped.
        const room = Math.max(0, HEADER_FIELD_LIMIT_BYTES - fieldBytes - CRLF.byteLength);
        const cut = utf8Boundary(raw, pos, Math.min(contentEnd, pos + room));
        if (cut > pos) pieces.push(raw.subarray(pos, cut), CRLF);
      }
    } else if (!fieldCut) {
      pieces?.push(raw.subarray(pos, lineEnd));
    }
    fieldBytes += lineBytes;
    pos = lineEnd;
  }
  return {
    bodyStart,
    lines,
    dkimSignatures,
    arcMessageSignatures,
    oversizedFields,
    overLimit: describeOverLimit(lines, dkimSignatures),
  };
}

function describeOverLimit(lines: number, dkimSignatures: number): string | null {
  if (lines > HEADER_LINE_LIMIT) return `${lines} header lines, over ${HEADER_LINE_LIMIT}`;
  if (dkimSignatures > DKIM_SIGNATURE_LIMIT) {
    return `${dkimSignatures} DKIM-Signature fields, over ${DKIM_SIGNATURE_LIMIT}`;
  }
  return null;
}

/** Whether the line starts with `name` (lower case ASCII), then optional WSP and a colon. */
function startsWithName(raw: Uint8Array, pos: number, end: number, name: Uint8Array): boolean {
  if (end - pos <= name.byteLength) return false;
  for (let i = 0; i < name.byteLength; i++) {
    const byte = raw[pos + i] ?? 0;
    // ASCII upper case to lower case; nothing else is changed.
    if ((byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte) !== name[i]) return false;
  }
  let at = pos + name.byteLength;
  while (at < end && (raw[at] === SP || raw[at] === HT)) at++;
  return raw[at] === COLON;
}

/** The field name as written (up to 64 printable ASCII bytes before the colon), for messages. */
function nameOfField(raw: Uint8Array, pos: number, end: number): string {
  let name = "";
  for (let at = pos; at < end && at < pos + 64; at++) {
    const byte = raw[at] ?? 0;
    if (byte === COLON || byte <= SP || byte > 0x7e) break;
    name += String.fromCharCode(byte);
  }
  return name === "" ? "(unnamed)" : name;
}

/** `cut` moved back so it does not split a UTF-8 sequence (never before `start`). */
function utf8Boundary(raw: Uint8Array, start: number, cut: number): number {
  let at = cut;
  // A continuation byte (10xxxxxx) at the cut means its character started earlier.
  while (at > start && ((raw[at] ?? 0) & 0xc0) === 0x80) at--;
  return at;
}
