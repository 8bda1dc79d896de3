import { htmlToText, renderText } from "./html-text";
import { parseHtml } from "./html-tree";
import { markQuotedParts } from "./reply-html";
import {
  ATTRIBUTIONS,
  DATE_EVIDENCE,
  type HeaderKind,
  headerKindOf,
  isDashedMarker,
  isForwardLine,
  isUnderscoreRule,
  MAX_MARKER_LINE,
  MOBILE_SIGNATURES,
  normalizeLine,
} from "./reply-patterns";
import { TextLines } from "./text-lines";

/**
 * The new text of a reply: what its author wrote, without the quoted history
 * and without the signature. Web APIs only.
 *
 * Quoted history is recognised as mail clients write it (reply-patterns.ts):
 *
 * - `>` lines wherever they are, with the attribution line just above them
 *   ("On … wrote:" and its translations, on one line or wrapped over up to
 *   three). Only those lines go: the author's answers between them stay
 *   (inline replies, bottom-posting).
 * - From a sure attribution to the end, when no `>` lines follow it (clients
 *   that quote without `>`): one with a date or time, the client's opening
 *   word ("On", "Am", "Le", …) or an address, standing as its own paragraph or
 *   ending the text. "On the other hand, I wrote:" in a paragraph is none.
 * - From a header block to the end: a "From:" line with at least two more of
 *   Sent/Date, To, Cc, Subject (in the languages of `HEADER_FIELDS`), with
 *   Outlook's `________________________________` rule above it when there is one.
 * - From a forward or original-message marker to the end ("---------- Forwarded
 *   message ---------", "-----Original Message-----", "Begin forwarded message:").
 *
 * The signature is what follows the first "-- " line (RFC 3676 §4.3; a bare
 * "--" too when fewer than `MAX_BARE_DASH_SIGNATURE_LINES` lines follow), or a
 * phone's "Sent from my iPhone" and its kin among the last lines, that line
 * included. It is returned trimmed, or null when there is none.
 *
 * Line endings become `\n`. When nothing is removed, the text is returned with
 * trailing whitespace trimmed. A message that is nothing but quote (a forward
 * with no new words) is returned whole, trimmed, with no signature: the
 * stripped text is empty only when the input is blank.
 *
 * Linear in the text: one pass over the lines, and every pattern runs on a
 * line of at most `MAX_MARKER_LINE` characters.
 */
export function stripReply(text: string): { strippedText: string; signature: string | null } {
  const { strippedText, signature } = stripReplyText(text);
  return { strippedText, signature };
}

/**
 * `stripReply` for an HTML-only reply: the parts HTML clients mark as quoted
 * are cut off or turned into `>` lines, the tree converted as `htmlToText`
 * converts it, then the text stripped as `stripReply` strips it.
 *
 * - Removed to the end of the message, from the first of: Outlook's
 *   `#divRplyFwdMsg`, `#appendonsend`, the `border-top:solid #E1E1E1` (or
 *   `#B5C4DF`) header block, Outlook for Mac's quoted-message containers, and
 *   the `<hr>` just before any of them.
 * - Turned into `>` lines where they stand, so that answers between them
 *   stay and the unmarked attribution above them (Apple Mail's) goes with
 *   them: Gmail's `.gmail_quote`, `<blockquote>` (Apple Mail's and
 *   Thunderbird's `type="cite"`, and any other), Yahoo's `.yahoo_quoted`,
 *   Proton's `.protonmail_quote`. The attributions Gmail and Thunderbird mark
 *   (`.gmail_attr`, `.moz-cite-prefix`) are removed.
 *
 * A message that is all quote is returned as `htmlToText` gives it whole.
 */
export function stripReplyHtml(html: string): { strippedText: string; signature: string | null } {
  const root = parseHtml(html);
  markQuotedParts(root);
  const result = stripReplyText(renderText(root));
  if (!result.wholeMessage) return { strippedText: result.strippedText, signature: result.signature };
  return { strippedText: htmlToText(html), signature: null };
}

/** A bare "--" starts a signature only with fewer lines than this after it. */
export const MAX_BARE_DASH_SIGNATURE_LINES = 12;

/** A phone's signature line counts only among this many last non-blank lines of the new text. */
const MOBILE_SIGNATURE_TAIL = 3;

interface Stripped {
  strippedText: string;
  signature: string | null;
  /** Nothing new was found: the message is returned whole. */
  wholeMessage: boolean;
}

function stripReplyText(text: string): Stripped {
  const normalized = text.replace(/\r\n?/g, "\n");
  const lines = new TextLines(normalized);
  const { kept, removedQuote } = keepNewLines(lines);
  const { bodyLines, signature } = splitSignature(lines, kept);
  if (!bodyLines.some((index) => !lines.isBlank(index))) {
    return { strippedText: normalized.trim(), signature: null, wholeMessage: true };
  }
  if (!removedQuote && signature === null) {
    return { strippedText: normalized.trimEnd(), signature: null, wholeMessage: false };
  }
  const strippedText = lines.join(bodyLines).trimEnd();
  return { strippedText, signature, wholeMessage: false };
}

const HEADER_KINDS: HeaderKind[] = ["from", "date", "to", "cc", "subject", "reply-to"];

/** ":" and the full-width "：". */
const COLONS = [58, 0xff1a];

/** What the tests below ask of each line, computed once: its header field, by line. */
class ReplyLines {
  /** Per line: 0 not looked at yet, 1 no header field, else 2 + the field's index in `HEADER_KINDS`. */
  private readonly kinds: Uint8Array;

  constructor(readonly lines: TextLines) {
    this.kinds = new Uint8Array(lines.count);
  }

  isQuoted(index: number): boolean {
    return this.lines.firstCode(index) === 62; // ">"
  }

  /** Whether the line could be a marker, a header or an attribution: not blank, not over the length bound. */
  isShort(index: number): boolean {
    const length = this.lines.length(index);
    return length > 0 && length <= MAX_MARKER_LINE;
  }

  endsWithColon(index: number): boolean {
    const last = this.lines.lastCode(index);
    return last === 58 || last === 0xff1a; // ":" or "："
  }

  /** The header field the line starts with, or null (cached: a block is looked at from each of its lines). */
  headerKind(index: number): HeaderKind | null {
    const cached = this.kinds[index] ?? 0;
    if (cached !== 0) return cached === 1 ? null : (HEADER_KINDS[cached - 2] ?? null);
    const kind =
      this.isShort(index) && this.lines.hasEarly(index, COLONS, 32)
        ? headerKindOf(this.lines.line(index))
        : null;
    this.kinds[index] = kind === null ? 1 : 2 + HEADER_KINDS.indexOf(kind);
    return kind;
  }
}

/**
 * The lines of the new text, by index: quoted lines and their attributions
 * dropped, the text cut where the history starts.
 */
function keepNewLines(text: TextLines): { kept: number[]; removedQuote: boolean } {
  const lines = new ReplyLines(text);
  const { count } = text;
  const kept: number[] = [];
  let dropped = false;
  let removedQuote = false;
  let lastKeptBlank = true;
  const keep = (index: number): void => {
    const blank = text.isBlank(index);
    // Where lines were dropped, two blank lines meet: keep one.
    if (dropped && blank && lastKeptBlank) return;
    if (!blank) dropped = false;
    lastKeptBlank = blank;
    kept.push(index);
  };

  for (let index = 0; index < count; index++) {
    if (text.isBlank(index)) {
      keep(index);
      continue;
    }
    if (lines.isQuoted(index)) {
      dropped = removedQuote = true;
      continue;
    }
    if (startsHistory(lines, index)) {
      removedQuote = true;
      break;
    }
    const attribution = attributionAt(lines, index);
    if (attribution !== null) {
      const after = text.nextNonBlank(index + attribution.lines);
      if (after < count && lines.isQuoted(after)) {
        dropped = removedQuote = true;
        index += attribution.lines - 1;
        continue;
      }
      const ownParagraph = index === 0 || text.isBlank(index - 1);
      if (attribution.sure && (ownParagraph || after === count)) {
        removedQuote = true;
        break;
      }
    }
    keep(index);
  }
  if (!removedQuote) return { kept, removedQuote };
  let first = 0;
  while (first < kept.length && text.isBlank(kept[first] ?? 0)) first++;
  return { kept: kept.slice(first), removedQuote };
}

/** Whether the quoted history starts at line `index` and runs to the end: a marker, or a header block. */
function startsHistory(lines: ReplyLines, index: number): boolean {
  if (!lines.isShort(index)) return false;
  const first = lines.lines.firstCode(index);
  if (first === 45 /* "-" */ && isDashedMarker(lines.lines.line(index))) return true;
  if (lines.endsWithColon(index) && isForwardLine(normalizeLine(lines.lines.line(index)))) return true;
  if (first === 95 /* "_" */ && isUnderscoreRule(lines.lines.line(index))) {
    const next = lines.lines.nextNonBlank(index + 1);
    return next < lines.lines.count && headerBlockAt(lines, next);
  }
  return headerBlockAt(lines, index);
}

/** Header lines a block may span, continuation lines included. */
const HEADER_BLOCK_LINES = 12;

/** Whether a quoted header block starts at `index`: a From line and at least two other fields, no blank line between. */
function headerBlockAt(lines: ReplyLines, index: number): boolean {
  if (lines.headerKind(index) === null) return false;
  let kinds = 0;
  let distinct = 0;
  let from = false;
  const end = Math.min(lines.lines.count, index + HEADER_BLOCK_LINES);
  for (let at = index; at < end && !lines.lines.isBlank(at); at++) {
    const kind = lines.headerKind(at);
    if (kind === null) continue;
    const bit = 1 << HEADER_KINDS.indexOf(kind);
    if ((kinds & bit) === 0) distinct++;
    kinds |= bit;
    from ||= kind === "from";
  }
  return from && distinct >= 3;
}

/**
 * An attribution starting at line `index`, on one line or wrapped over up to
 * three (Gmail wraps its own at about 76 characters): how many lines it spans,
 * and whether it is sure (see `AttributionRule.sure`).
 */
function attributionAt(lines: ReplyLines, index: number): { lines: number; sure: boolean } | null {
  if (!lines.isShort(index)) return null;
  if (lines.endsWithColon(index)) {
    const sure = matchAttribution(normalizeLine(lines.lines.line(index)));
    if (sure !== null) return { lines: 1, sure };
  }
  // A wrapped attribution starts with its date, and its last line ends with the colon.
  let span = 0;
  for (let at = index + 1; at < Math.min(index + 3, lines.lines.count); at++) {
    if (!lines.isShort(at) || lines.isQuoted(at)) break;
    if (lines.endsWithColon(at)) {
      span = at - index + 1;
      break;
    }
  }
  if (span === 0 || !DATE_EVIDENCE.test(lines.lines.line(index))) return null;
  const parts: string[] = [];
  for (let at = index; at < index + span; at++) parts.push(lines.lines.line(at));
  const sure = matchAttribution(normalizeLine(parts.join(" ")));
  return sure === null ? null : { lines: span, sure };
}

/** null when `line` is no attribution; else whether it is a sure one. */
function matchAttribution(line: string): boolean | null {
  for (const rule of ATTRIBUTIONS) {
    if (!rule.end.test(line) || (rule.contains && !rule.contains.test(line))) continue;
    return rule.sure !== null && DATE_EVIDENCE.test(line) && rule.sure.test(line);
  }
  return null;
}

/** The kept lines split into the body and its signature (see `stripReply`). */
function splitSignature(lines: TextLines, kept: number[]): { bodyLines: number[]; signature: string | null } {
  let start = kept.findIndex((index) => lines.rawEquals(index, "-- "));
  if (start === -1) {
    const bare = kept.findIndex((index) => lines.rawEquals(index, "--"));
    if (bare !== -1 && kept.length - bare - 1 < MAX_BARE_DASH_SIGNATURE_LINES) start = bare;
  }
  let signatureFrom = start === -1 ? -1 : start + 1;
  // A phone's line among the last few, when it comes before any delimiter.
  let tail = 0;
  for (let position = kept.length - 1; position >= 0 && tail < MOBILE_SIGNATURE_TAIL; position--) {
    const index = kept[position] ?? 0;
    if (lines.isBlank(index)) continue;
    tail++;
    if (lines.length(index) > 80 || (start !== -1 && position >= start)) continue;
    const line = lines.line(index);
    if (MOBILE_SIGNATURES.some((pattern) => pattern.test(line))) {
      start = position;
      signatureFrom = position;
    }
  }
  if (start === -1) return { bodyLines: kept, signature: null };
  const signature = lines.join(kept.slice(signatureFrom)).trim();
  return { bodyLines: kept.slice(0, start), signature: signature === "" ? null : signature };
}
