import PostalMime, { type Address, type Email } from "postal-mime";
import { sha256Hex } from "../crypto";
import type { MessageKind } from "./analyze";
import {
  type Base64Run,
  buildStandInCopy,
  decodeBase64Run,
  findBase64Runs,
  STAND_IN_MIN_CHARS,
  sameBytes,
} from "./base64-stand-ins";
import { relabelCharsets } from "./charset-labels";
import { findHeaderAnomalies, type HeaderAnomaly } from "./header-anomalies";
import { boundHeaderFields } from "./header-limit";

/** What we keep of a parsed message. Every field is safe to store as-is. */
export interface ParsedContent {
  subject: string | null;
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress[];
  date: string | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  headers: Array<{ name: string; value: string }>;
  text: string | null;
  html: string | null;
  attachments: ParsedAttachment[];
  /** What is odd about the header fields (header-anomalies.ts); [] for a plain message. */
  headerAnomalies: HeaderAnomaly[];
}

export interface MailAddress {
  address: string;
  name: string;
}

export interface ParsedAttachment {
  filename: string | null;
  contentType: string;
  disposition: string | null;
  contentId: string | null;
  content: Uint8Array;
  size: number;
  sha256: string;
}

/**
 * A message postal-mime cannot parse (too deep, too many header bytes, …) is
 * still stored with what its own header section says: `headersOnly` has every
 * header-derived field, no text, html or attachments; null when that section
 * cannot be parsed either. Plain data, so it crosses a thread boundary
 * (structured clone) as it is.
 */
/** What is derived from a message's body (core/messages/analyze.ts computes it). */
export interface MessageAnalysis {
  /** The text the API shows: the text part, or the HTML part rendered as text when there is only that. */
  text: string | null;
  textSource: "text" | "html" | null;
  /** Null when it is `text` itself (nothing was stripped): stored once, not twice (see `strippedTextOf`). */
  strippedText: string | null;
  signature: string | null;
  /** From HTML only: a text body's Markdown is made when it is read (`markdownOf`), never stored. */
  markdown: string | null;
  /**
   * A text body's Markdown from its first PAYLOAD_TEXT_CHARS characters, for
   * the webhook: made where the message is parsed (off the event loop), never
   * stored. Absent where the analysis predates it.
   */
  textMarkdown?: string | null;
  codes: Array<{ value: string; context: string }>;
  links: Array<{ url: string; text: string }>;
}

export type ParseResult =
  | {
      ok: true;
      content: ParsedContent;
      /** The body's analysis, when the parser's thread made it (core/messages/analyze.ts). */
      analysis?: MessageAnalysis | undefined;
      /** The kind of mail, when the parser's thread classified it (it needs the envelope sender). */
      kind?: MessageKind | undefined;
    }
  | { ok: false; error: string; headersOnly: ParsedContent | null };

/** Limits against hostile MIME: postal-mime rejects the parse past them, and we store raw. */
const PARSE_LIMITS = { maxNestingDepth: 100, maxHeadersSize: 2 * 1024 * 1024 };

/**
 * Parses raw RFC 5322 bytes with postal-mime. Never throws: a message that
 * cannot be parsed is still stored raw and announced, with `parse_error` set.
 *
 * postal-mime gets the bytes as received, unless the header section is over
 * 10,000 lines: then each header field is cut at 102,400 bytes, as Postfix's
 * `header_size_limit` does (header-limit.ts), so a field folded into hundreds
 * of thousands of lines is parsed as its first 100 KB and every other field and
 * the body as sent. The stored raw bytes are never cut.
 *
 * Long base64 runs (attachments, mostly) are decoded outside postal-mime, which
 * parses a copy with a short stand-in for each (base64-stand-ins.ts): the same
 * result, with a fraction of the memory.
 *
 * Every string taken from the message has NUL (U+0000) replaced with U+FFFD:
 * SQLite text and C strings end at a NUL, so a raw one would show a cut value
 * in the API while the search index holds the whole string.
 *
 * Charset labels TextDecoder does not know (`big5_tw`, `eucgb2312_cn`) are
 * rewritten in the header sections postal-mime reads (charset-labels.ts); the
 * `headers` are still the fields as sent.
 */
export async function parseMessage(
  raw: Uint8Array,
  options: { standInMinChars?: number } = {},
): Promise<ParseResult> {
  let email: Email;
  try {
    const { bytes } = boundHeaderFields(raw);
    const relabelled = relabelCharsets(bytes, PARSE_LIMITS);
    ({ email } = await parseWithStandIns(relabelled.bytes, options.standInMinChars ?? STAND_IN_MIN_CHARS));
    if (relabelled.topSectionChanged) email.headers = await headersAsSent(bytes, email.headers);
  } catch (error) {
    return {
      ok: false,
      error: error instanceof Error ? error.message : String(error),
      headersOnly: await parseHeaderSection(raw),
    };
  }
  const attachments: ParsedAttachment[] = [];
  for (const attachment of email.attachments) {
    const content =
      attachment.content instanceof Uint8Array
        ? attachment.content
        : typeof attachment.content === "string"
          ? new TextEncoder().encode(attachment.content)
          : new Uint8Array(attachment.content);
    attachments.push({
      filename: withoutNul(attachment.filename),
      contentType: withoutNul(attachment.mimeType),
      disposition: withoutNul(attachment.disposition),
      contentId: withoutNul(attachment.contentId ?? null),
      content,
      size: content.byteLength,
      sha256: await sha256Hex(content),
    });
  }
  return {
    ok: true,
    content: {
      ...headerContent(email),
      text: withoutNul(email.text ?? null),
      html: withoutNul(email.html ?? null),
      attachments,
    },
  };
}

/**
 * What the message's own header section says, parsed on its own: for a
 * message whose whole parse failed. Its fields as postal-mime reads them
 * (unfolded, encoded words decoded, charsets relabelled), cut before the field
 * that would take it over postal-mime's header budget; null if even that fails.
 */
async function parseHeaderSection(raw: Uint8Array): Promise<ParsedContent | null> {
  try {
    const section = topHeaderSection(boundHeaderFields(raw).bytes);
    const relabelled = relabelCharsets(section, PARSE_LIMITS);
    const email = await postalMimeParse(topHeaderSection(relabelled.bytes));
    if (relabelled.topSectionChanged) email.headers = await headersAsSent(section, email.headers);
    return { ...headerContent(email), text: null, html: null, attachments: [] };
  } catch {
    // The failure that matters is the message's own, which the caller reports.
    return null;
  }
}

/**
 * The message's own header fields as sent, for a parse of a relabelled copy
 * (whose fields show the rewritten labels); `fallback` when they cannot be read.
 */
async function headersAsSent(bytes: Uint8Array, fallback: Email["headers"]): Promise<Email["headers"]> {
  try {
    return (await postalMimeParse(topHeaderSection(bytes))).headers;
  } catch {
    return fallback;
  }
}

/**
 * The message's own header section as postal-mime reads it (lines end at LF,
 * a line of nothing but CRs is blank), the blank line included; the whole
 * input when there is none. Cut before the field that would take it over
 * `maxHeadersSize` (postal-mime counts each line without its line break).
 */
function topHeaderSection(bytes: Uint8Array): Uint8Array {
  let pos = 0;
  let size = 0;
  let fieldStart = 0;
  while (pos < bytes.byteLength) {
    const lf = bytes.indexOf(0x0a, pos);
    const next = lf === -1 ? bytes.byteLength : lf + 1;
    let end = lf === -1 ? bytes.byteLength : lf;
    while (end > pos && bytes[end - 1] === 0x0d) end--;
    if (end === pos) return bytes.subarray(0, next);
    if (bytes[pos] !== 0x20 && bytes[pos] !== 0x09) fieldStart = pos;
    size += end - pos;
    if (size > PARSE_LIMITS.maxHeadersSize) return bytes.subarray(0, fieldStart);
    pos = next;
  }
  return bytes;
}

/**
 * The fields taken from the header section. With two From fields `from` is
 * the first, as every single-value field here is (postal-mime 3.0 and later
 * take the first occurrence). That is the one sender authentication used:
 * mailauth 7.1.0 collects the addresses of every From field in order
 * (`headerFrom` in lib/dkim/dkim-verifier.js) and aligns DKIM signatures with
 * `headerFrom[0]`; its DMARC check (lib/dmarc/author-domain.js) does not pick
 * one at all but answers `multiple-from-fields`, so nothing else was
 * evaluated. `duplicate_from` in `headerAnomalies` says there was another.
 */
function headerContent(email: Email): Omit<ParsedContent, "text" | "html" | "attachments"> {
  const firstFrom = email.headers.find((header) => header.key === "from");
  return {
    subject: withoutNul(email.subject ?? null),
    from: email.from
      ? (flattenAddresses([email.from], bareWords(firstFrom ? [firstFrom.value] : []))[0] ?? null)
      : null,
    to: flattenAddresses(email.to, bareWords(fieldValues(email, "to"))),
    cc: flattenAddresses(email.cc, bareWords(fieldValues(email, "cc"))),
    replyTo: flattenAddresses(email.replyTo, bareWords(fieldValues(email, "reply-to"))),
    date: withoutNul(email.date ?? null),
    messageId: withoutNul(email.messageId ?? null),
    inReplyTo: withoutNul(email.inReplyTo ?? null),
    references: withoutNul(email.references ?? "")
      .split(/\s+/)
      .filter((ref) => ref !== ""),
    headers: email.headers.map((header) => ({
      name: withoutNul(header.originalKey),
      value: withoutNul(header.value),
    })),
    headerAnomalies: findHeaderAnomalies(email.headers),
  };
}

function fieldValues(email: Email, key: string): string[] {
  return email.headers.filter((header) => header.key === key).map((header) => header.value);
}

function postalMimeParse(bytes: Uint8Array | ArrayBuffer): Promise<Email> {
  return PostalMime.parse(bytes, { ...PARSE_LIMITS, attachmentEncoding: "arraybuffer" });
}

/**
 * postal-mime over a copy with the long base64 runs stood in for; each stand-in
 * must come back as exactly one attachment's whole content, or the original is
 * parsed as it is.
 */
export async function parseWithStandIns(
  bytes: Uint8Array,
  minChars: number,
): Promise<{ email: Email; standIns: number }> {
  const runs = findBase64Runs(bytes, minChars);
  const asIs = async () => ({ email: await postalMimeParse(bytes), standIns: 0 });
  if (runs.length === 0) return asIs();
  const copy = buildStandInCopy(bytes, runs);
  // An ArrayBuffer is parsed in place; a view would be copied first.
  const email = await postalMimeParse(copy.bytes.buffer as ArrayBuffer);
  const runAt = new Map<number, number>();
  for (const [position, attachment] of email.attachments.entries()) {
    const content = attachment.content;
    if (!(content instanceof ArrayBuffer) || content.byteLength !== copy.standIns[0]?.byteLength) continue;
    const view = new Uint8Array(content);
    const run = copy.standIns.findIndex((standIn) => sameBytes(standIn, view));
    if (run >= 0) runAt.set(position, run);
  }
  // Each stand-in exactly once, as an attachment: anything else, and the copy says nothing about the original.
  if (runAt.size !== runs.length || new Set(runAt.values()).size !== runs.length) return asIs();
  for (const [position, run] of runAt) {
    const attachment = email.attachments[position] as Email["attachments"][number];
    attachment.content = decodeBase64Run(bytes, runs[run] as Base64Run).buffer as ArrayBuffer;
  }
  return { email, standIns: runs.length };
}

/**
 * Groups (`Team: a@x, b@x;`) are unwrapped into their members. A mailbox
 * postal-mime reads as a name without an address (`From: foo`, a local part
 * without a domain) gets that word back as its address when the field has it
 * as a bare word of its own (`bare`): not quoted, not encoded, not a comment.
 */
function flattenAddresses(list: Address[] | undefined, bare: ReadonlySet<string>): MailAddress[] {
  const out: MailAddress[] = [];
  const mailbox = (address: string, name: string): MailAddress =>
    address === "" && bare.has(name)
      ? { address: withoutNul(name), name: "" }
      : { address: withoutNul(address), name: withoutNul(name) };
  for (const entry of list ?? []) {
    if (entry.group) out.push(...entry.group.map((member) => mailbox(member.address, member.name)));
    else out.push(mailbox(entry.address, entry.name));
  }
  return out;
}

// RFC 5322 dot-atom text: what a local part without quotes is made of.
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/**
 * The items of address fields that are one dot-atom and nothing else, but
 * for comments (`foo`, `MAILER-DAEMON`, `nsb (Nathaniel Borenstein)`).
 */
function bareWords(values: string[]): Set<string> {
  const words = new Set<string>();
  for (const value of values) {
    for (const item of value.split(/[,;:]/)) {
      const word = item.replace(/\([^()]*\)/g, " ").trim();
      if (DOT_ATOM.test(word) && !word.startsWith("=?")) words.add(word);
    }
  }
  return words;
}

/** NUL becomes U+FFFD, the replacement character (the string is otherwise unchanged). */
function withoutNul<T extends string | null>(value: T): T {
  return (value?.includes("\0") ? value.replaceAll("\0", "\uFFFD") : value) as T;
}
