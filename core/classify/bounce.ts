import { splitLines } from "../content/text-lines";
import { collapseWhitespace } from "../content/whitespace";

/**
 * What a bounce says about each recipient it reports: read from the
 * machine-readable `message/delivery-status` part of an RFC 3464 DSN, or
 * guessed from the human-readable text of the bounces that have none (qmail,
 * Exim, Exchange, Gmail, Sendmail and the like write prose).
 *
 * Everything here reads text someone else wrote, so each piece works on a
 * bounded prefix, in passes whose cost grows linearly with it: no regular
 * expression below can backtrack over more than one line.
 */

/** One recipient a bounce reports; `null` for what it does not say. */
export interface BounceRecipient {
  action: string | null;
  status: string | null;
  final_recipient: string | null;
  diagnostic_code: string | null;
  remote_mta: string | null;
  original_message_id: string | null;
}

export interface BounceAttachment {
  contentType: string;
  content: Uint8Array;
}

/** Characters of a part or of the text read: DSNs are small; a longer one is a hostile one. */
const READ_LIMIT = 64 * 1024;
/** Characters of one diagnostic kept: enough for a multi-line SMTP reply. */
const DIAGNOSTIC_LIMIT = 500;
/** Recipients kept from one bounce. */
const RECIPIENT_LIMIT = 100;

const DSN_TYPES = new Set(["message/delivery-status", "message/global-delivery-status"]);
const RETURNED_TYPES = new Set([
  "message/rfc822",
  "text/rfc822-headers",
  "message/global",
  "message/global-headers",
]);

export function isDeliveryStatusType(contentType: string): boolean {
  return DSN_TYPES.has(contentType.trim().toLowerCase());
}

function decodePart(content: Uint8Array): string {
  return new TextDecoder("utf-8").decode(content.subarray(0, READ_LIMIT));
}

function cut(value: string, limit: number): string {
  return value.length > limit ? `${value.slice(0, limit - 1).trimEnd()}…` : value;
}

/** `rfc822; a@b`, `dns; mx.example`, `smtp; 550 …`: the value without its type. */
function withoutType(value: string): string {
  return value.replace(/^\s*[A-Za-z][A-Za-z0-9._-]*\s*;\s*/, "").trim();
}

function orNull(value: string | undefined): string | null {
  return value === undefined || value === "" ? null : value;
}

const ENHANCED_STATUS = /(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.])/;

/**
 * The field groups of a delivery-status body (RFC 3464 §2.1): blank lines
 * separate the per-message group from each per-recipient one, continuation
 * lines are unfolded. A recipient field seen twice in one group starts a new
 * group (some MTAs leave out the blank line between recipients).
 */
export function readFieldGroups(body: string): Array<Map<string, string>> {
  const groups: Array<Map<string, string>> = [];
  let group = new Map<string, string>();
  let last: string | null = null;
  const flush = () => {
    if (group.size > 0) groups.push(group);
    group = new Map();
    last = null;
  };
  for (const line of splitLines(body)) {
    if (line.trim() === "") {
      flush();
      continue;
    }
    if ((line.startsWith(" ") || line.startsWith("\t")) && last !== null) {
      group.set(last, `${group.get(last) ?? ""} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[a-z0-9-]+$/.test(name)) continue;
    if (name === "final-recipient" && group.has("final-recipient")) flush();
    group.set(name, line.slice(colon + 1).trim());
    last = name;
  }
  flush();
  return groups;
}

function recipientFromGroup(group: Map<string, string>): BounceRecipient {
  const recipient = group.get("final-recipient") ?? group.get("original-recipient");
  const status = group.get("status");
  return {
    action: orNull(
      group
        .get("action")
        ?.trim()
        .toLowerCase()
        .split(/[\s(;]/)[0],
    ),
    status:
      status === undefined
        ? null
        : (status.match(ENHANCED_STATUS)?.[1] ?? orNull(collapseWhitespace(status))),
    final_recipient:
      recipient === undefined
        ? null
        : orNull(
            withoutType(recipient)
              .replace(/^<(.*)>$/, "$1")
              .trim(),
          ),
    diagnostic_code: orNull(
      cut(collapseWhitespace(withoutType(group.get("diagnostic-code") ?? "")), DIAGNOSTIC_LIMIT),
    ),
    remote_mta: orNull(withoutType(group.get("remote-mta") ?? "")),
    original_message_id: null,
  };
}

function isRecipientGroup(group: Map<string, string>): boolean {
  return (
    group.has("final-recipient") ||
    group.has("original-recipient") ||
    group.has("action") ||
    group.has("diagnostic-code")
  );
}

/** The Message-ID of a header section (the lines up to the first blank one after a field), or null. */
export function messageIdOfHeaders(headers: string): string | null {
  const lines = splitLines(headers);
  let started = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.trim() === "") {
      if (started) return null;
      continue;
    }
    started = true;
    if (!/^message-id[ \t]*:/i.test(line)) continue;
    let value = line.slice(line.indexOf(":") + 1);
    for (let j = i + 1; j < lines.length && /^[ \t]/.test(lines[j] ?? ""); j++) value += lines[j];
    return messageIdIn(value);
  }
  return null;
}

function messageIdIn(value: string): string | null {
  const bracketed = value.match(/<[^<>\s]{1,250}>/);
  if (bracketed) return bracketed[0];
  return orNull(collapseWhitespace(value).slice(0, 250));
}

/** A `Message-ID:` line in prose (the copy of the message a non-standard bounce appends). */
export function messageIdInText(text: string): string | null {
  const match = text.slice(0, READ_LIMIT).match(/^[ \t]*Message-ID[ \t]*:[ \t]*(<[^<>\s]{1,250}>)/im);
  return match?.[1] ?? null;
}

/** The Message-ID of the returned message (`message/rfc822`) or headers (`text/rfc822-headers`) part. */
export function returnedMessageId(attachments: BounceAttachment[]): string | null {
  for (const attachment of attachments) {
    if (!RETURNED_TYPES.has(attachment.contentType.trim().toLowerCase())) continue;
    const id = messageIdOfHeaders(decodePart(attachment.content));
    if (id !== null) return id;
  }
  return null;
}

export interface DeliveryStatusReport {
  /** The recipients the report is about: failed ones, else delayed ones, else those it gives no action for. */
  recipients: BounceRecipient[];
  /** Every action the report gives (lower case), to tell a success report from a bounce. */
  actions: string[];
  /** Whether any part had a per-recipient group at all. */
  readable: boolean;
}

/**
 * Reads every delivery-status part. Recipients are the failed ones; a report
 * with none gives its delayed ones (a delay warning); one with neither, those
 * without an action. A success report (delivered, relayed, expanded) gives
 * none. Each carries `originalMessageId`.
 */
export function readDeliveryStatus(
  attachments: BounceAttachment[],
  originalMessageId: string | null,
): DeliveryStatusReport {
  const all: BounceRecipient[] = [];
  for (const attachment of attachments) {
    if (!DSN_TYPES.has(attachment.contentType.trim().toLowerCase())) continue;
    for (const group of readFieldGroups(decodePart(attachment.content))) {
      if (isRecipientGroup(group) && all.length < RECIPIENT_LIMIT) all.push(recipientFromGroup(group));
    }
  }
  const failed = all.filter(
    (r) => r.action === "failed" || (r.action === null && r.status?.startsWith("5") === true),
  );
  const delayed = all.filter(
    (r) => r.action === "delayed" || (r.action === null && r.status?.startsWith("4") === true),
  );
  const chosen =
    failed.length > 0 ? failed : delayed.length > 0 ? delayed : all.filter((r) => r.action === null);
  return {
    recipients: chosen.map((r) => ({ ...r, original_message_id: originalMessageId })),
    actions: all.flatMap((r) => (r.action === null ? [] : [r.action])),
    readable: all.length > 0,
  };
}

/**
 * Where the bounce's own words end and the copy of the message begins: Exim's
 * "------ This is a copy of the message", qmail's "--- Below this line is a
 * copy of the message.", Gmail's "----- Original message -----", Exchange's
 * "Original message headers:", Sendmail's "----- Unsent message follows",
 * DragonFly's "Message headers follow.", or the first header line of a
 * returned message.
 */
const RETURNED_MARKER =
  /^[\s-]*(?:the\s+)?(?:this is a copy of (?:the|your) (?:original )?message|below this line is a copy of the message|original message(?: (?:follows|headers|is attached|below))?[\s:.-]*$|original message (?:follows|headers|is attached|below)|message headers follow|unsent message (?:below|follows)|returned message|headers? of (?:the )?(?:original|returned) message|copy of (?:the )?(?:original )?message follows|bounced e-?mail:)/i;
const HEADER_LINE = /^(?:Received|Return-Path|DKIM-Signature|Message-I[Dd]|X-[A-Za-z0-9-]+)[ \t]*:/;

/** The bounce's own words, and the copy of the message after them (its first lines). */
function splitReport(text: string): { report: string[]; returned: string[] } {
  const lines = splitLines(text.slice(0, READ_LIMIT)).map((line) => line.slice(0, 2000));
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const ruleThenFrom = /^-{20,}\s*$/.test(line) && /^From:/.test(lines[i + 1] ?? "");
    // ruleThenFrom: postal-mime's rendering of an inlined message/rfc822.
    if (RETURNED_MARKER.test(line) || HEADER_LINE.test(line) || ruleThenFrom) {
      return { report: lines.slice(0, i), returned: lines.slice(i, i + 60) };
    }
  }
  return { report: lines, returned: [] };
}

const LOCAL_CHARS = /[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/;
const DOMAIN_CHARS = /[A-Za-z0-9.-]/;

/** The addresses in a line, each with where it starts and ends: found from each "@", out. */
export function findAddresses(line: string): Array<{ address: string; start: number; end: number }> {
  const found: Array<{ address: string; start: number; end: number }> = [];
  let from = 0;
  let at = line.indexOf("@", from);
  while (at !== -1) {
    let start = at;
    while (start > from && LOCAL_CHARS.test(line.charAt(start - 1))) start--;
    let end = at + 1;
    while (end < line.length && DOMAIN_CHARS.test(line.charAt(end))) end++;
    const local = line.slice(start, at).replace(/^[.'`]+/, "");
    start = at - local.length;
    const domain = line.slice(at + 1, end).replace(/[.-]+$/, "");
    end = at + 1 + domain.length;
    if (local !== "" && /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/.test(domain)) {
      found.push({ address: `${local}@${domain}`, start, end });
    }
    from = end;
    at = line.indexOf("@", Math.max(at + 1, from));
  }
  return found;
}

/** The address a line starts with (after `<`, `>>> `, `* ` or a list number), or null. */
function leadingAddress(line: string): { address: string; start: number; end: number } | null {
  const lead = line.match(/^\s*(?:>>>\s*|\*\s*|-\s+|\d+\.\s+)?<?/)?.[0].length ?? 0;
  const first = findAddresses(line.slice(0, lead + 320))[0];
  return first !== undefined && first.start === lead ? first : null;
}

/** Local parts of the addresses that send bounces. */
const DAEMON_LOCAL =
  /^(?:mailer[-_.]?daemon|mail[-_.]?daemon|post[-_.]?master|mail[-_.]?delivery[-_.]?(?:sub)?system)$/i;

/** Whether an address (or a bare local part, as in `Return-Path: <MAILER-DAEMON>`) is a bounce sender's. */
export function isDaemonAddress(address: string): boolean {
  const bare = address.trim().replace(/^<|>$/g, "");
  const at = bare.lastIndexOf("@");
  return DAEMON_LOCAL.test(at === -1 ? bare : bare.slice(0, at));
}

const SMTP_REPLY = /(?<![\w.:[\]/-])[245]\d\d(?=[ -]|$)/;
const FAILURE_WORDS =
  /fail|undeliver|not (?:be )?deliver|n't (?:be )?deliver|unable to deliver|error|unknown|reject|refused|denied|does not exist|doesn't exist|no such|not found|invalid|not listed|permanent|bounced|quota|full|disabled|unavailable|blocked/i;
/** A line after which the reason follows: "because:", "For the following reason:", "The response was:". */
const LEAD_IN =
  /(?:because|reason|the response was|response from the remote server was|the error that the other server returned was|error message below|server returned|technical details[^:]{0,40})\s*:\s*$|^\s*-{3,}[^-]{0,60}(?:information|reason|details|error)[^-]{0,20}-{3,}\s*$/i;

function hasCode(value: string): boolean {
  return SMTP_REPLY.test(value) || ENHANCED_STATUS.test(value);
}

function diagnosticOf(block: string): string | null {
  const text = collapseWhitespace(block);
  if (text === "") return null;
  // From the SMTP reply on, when there is one: in "host x[1.2.3.4] said: 550 …" the reply is the diagnostic.
  const reply = text.match(SMTP_REPLY);
  const from = reply?.index !== undefined && reply.index > 0 ? reply.index : 0;
  let diagnostic = text.slice(from);
  // "returned '550 …'" and "(reason: 550 …)": a closing quote or bracket whose opener was cut off goes too.
  const count = (char: string) => diagnostic.split(char).length - 1;
  if (diagnostic.endsWith(")") && count(")") > count("(")) diagnostic = diagnostic.slice(0, -1).trimEnd();
  else if (diagnostic.endsWith("'") && count("'") % 2 === 1) diagnostic = diagnostic.slice(0, -1).trimEnd();
  return cut(diagnostic, DIAGNOSTIC_LIMIT);
}

function remoteMtaOf(block: string): string | null {
  const match = block.match(/\bhost\s+([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)\s*\[/i);
  return match?.[1] ?? null;
}

/** The paragraph starting at `from`: lines up to the next blank one (at most 8). */
function paragraphAt(lines: string[], from: number): string {
  const taken: string[] = [];
  for (let i = from; i < lines.length && taken.length < 8; i++) {
    const line = lines[i] ?? "";
    if (line.trim() === "") break;
    taken.push(line);
  }
  return taken.join(" ");
}

function nextNonBlank(lines: string[], from: number, within: number): number {
  for (let i = from; i < lines.length && i < from + within; i++) if ((lines[i] ?? "").trim() !== "") return i;
  return -1;
}

/**
 * What the report says went wrong, read from line `from` on when a
 * recipient's own lines say nothing: the next SMTP reply, else the paragraph
 * after a lead-in ("because:", "The response was:"), else the next line if it
 * speaks of failure.
 */
function diagnosticAfter(lines: string[], from: number): string {
  for (let i = from; i < lines.length && i < from + 30; i++) {
    if (hasCode(lines[i] ?? "")) return paragraphAt(lines, i);
  }
  for (let i = from; i < lines.length && i < from + 15; i++) {
    if (!LEAD_IN.test(lines[i] ?? "")) continue;
    const at = nextNonBlank(lines, i + 1, 4);
    if (at !== -1) return paragraphAt(lines, at);
  }
  const at = nextNonBlank(lines, from, 3);
  if (at !== -1 && FAILURE_WORDS.test(lines[at] ?? "") && leadingAddress(lines[at] ?? "") === null) {
    return paragraphAt(lines, at);
  }
  return "";
}

export interface TextBounceInput {
  text: string;
  /** The bounce's own sender and recipients: the bounce goes to the original sender, never the failed recipient. */
  exclude: ReadonlySet<string>;
  /** `failed`, or `delayed` for a delay warning: what the prose cannot say in a field. */
  action: string;
  /** Recipients a header names (`X-Failed-Recipients`): these, when given. */
  listed: string[];
  originalMessageId: string | null;
}

/**
 * The recipients a prose bounce lists, each with the text that explains it.
 *
 * 1. A line that starts with an address (`<a@b>:` in Postfix and qmail, an
 *    indented `a@b` in Exim and Gmail, `a@b<mailto:a@b>` in Exchange) names a
 *    recipient; the rest of the line and the lines under it up to a blank one
 *    are its diagnostic. One whose lines hold no SMTP reply takes the reason
 *    the lines after it give (`diagnosticAfter`).
 * 2. Failing that, an address on a line that speaks of failure ("could not be
 *    delivered to a@b", "User x (a@b) not listed") or carries an SMTP reply.
 * 3. Failing that, the first address in the report, else the `To:` of the
 *    returned message, with the report's first SMTP reply or failure line.
 *
 * With `listed`, those are the recipients, and the prose gives their reasons.
 */
export function readTextBounce(input: TextBounceInput): BounceRecipient[] {
  const { report, returned } = splitReport(input.text);
  type Found = { recipient: string; block: string; line: number };
  const byAddress = new Map<string, Found>();
  const skip = (address: string) => input.exclude.has(address.toLowerCase());
  const note = (recipient: string, block: string, line: number) => {
    const key = recipient.toLowerCase();
    const known = byAddress.get(key);
    if (known === undefined) {
      if (byAddress.size < RECIPIENT_LIMIT) byAddress.set(key, { recipient, block, line });
    } else if (!hasCode(known.block) && hasCode(block)) {
      byAddress.set(key, { recipient: known.recipient, block, line });
    }
  };

  for (let i = 0; i < report.length; i++) {
    const line = report[i] ?? "";
    const first = leadingAddress(line);
    if (first === null || skip(first.address)) continue;
    let block = line.slice(first.end).replace(/^>?\s*(?:<mailto:[^>]*>)?\s*(?:[:.]{1,3}|,)?/, "");
    for (let j = i + 1; j < report.length && (report[j] ?? "").trim() !== "" && j < i + 12; j++) {
      if (leadingAddress(report[j] ?? "") !== null) break;
      block += ` ${report[j]}`;
    }
    if (!hasCode(block)) block = `${block} ${diagnosticAfter(report, i + 1)}`;
    note(first.address, block, i);
  }

  if (byAddress.size === 0) {
    for (const [i, line] of report.entries()) {
      if (!FAILURE_WORDS.test(line) && !SMTP_REPLY.test(line)) continue;
      for (const { address } of findAddresses(line)) {
        if (!skip(address) && !isDaemonAddress(address))
          note(address, `${line} ${diagnosticAfter(report, i + 1)}`, i);
      }
    }
  }

  if (input.listed.length > 0) {
    const named = new Map<string, Found>();
    for (const address of input.listed.slice(0, RECIPIENT_LIMIT)) {
      const key = address.toLowerCase();
      named.set(
        key,
        byAddress.get(key) ?? { recipient: address, block: diagnosticAfter(report, 0), line: -1 },
      );
    }
    byAddress.clear();
    for (const [key, value] of named) byAddress.set(key, value);
  }

  if (byAddress.size === 0) {
    const firstIn = (lines: string[], onlyTo: boolean) => {
      for (const line of lines) {
        if (onlyTo && !/^\s*(?:To|Cc)\s*:/i.test(line)) continue;
        for (const { address } of findAddresses(line)) {
          if (!skip(address) && !isDaemonAddress(address)) return address;
        }
      }
      return null;
    };
    const address = firstIn(report, false) ?? firstIn(returned, true);
    const reasonLine = report.findIndex((line) => hasCode(line) || FAILURE_WORDS.test(line));
    const block = reasonLine === -1 ? "" : paragraphAt(report, reasonLine);
    if (address !== null) note(address, block, -1);
    else if (block !== "") {
      // No address at all: what went wrong is still worth reporting.
      return [recipientOf(null, block, input)];
    }
  }

  return [...byAddress.values()].map(({ recipient, block }) => recipientOf(recipient, block, input));
}

function recipientOf(recipient: string | null, block: string, input: TextBounceInput): BounceRecipient {
  const diagnostic = diagnosticOf(block);
  return {
    action: input.action,
    status: diagnostic?.match(ENHANCED_STATUS)?.[1] ?? null,
    final_recipient: recipient,
    diagnostic_code: diagnostic,
    remote_mta: remoteMtaOf(block),
    original_message_id: input.originalMessageId,
  };
}
