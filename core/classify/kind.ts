import { collapseWhitespace } from "../content/whitespace";
import {
  type BounceRecipient,
  findAddresses,
  isDaemonAddress,
  isDeliveryStatusType,
  messageIdInText,
  readDeliveryStatus,
  readTextBounce,
  returnedMessageId,
} from "./bounce";

export type { BounceRecipient } from "./bounce";

/**
 * What kind of mail a parsed message is, from its headers first and its
 * words only with them: a bounce, an auto-reply, list mail, other automated
 * mail, or a person writing.
 *
 * Precedence: bounce > auto_reply > list > automated > human. A Postfix bounce
 * carries `Auto-Submitted: auto-replied` and a list's vacation reply carries
 * `Precedence: bulk`; the stronger reading wins.
 *
 * Standards behind it: RFC 3464 and RFC 6522 (multipart/report and
 * delivery-status), RFC 3834 (`Auto-Submitted`), RFC 2369 and RFC 2919
 * (`List-*`), RFC 5321 §4.5.5 (a null reverse-path for notifications).
 * Everything else is what mail systems are seen to send: Exchange's
 * `X-Auto-Response-Suppress` and inbox-rules headers, `Precedence`,
 * `X-Autoreply`, the subjects of Postfix, Exim, Exchange, Gmail, qmail and
 * Sendmail bounces.
 */

export type MessageKind = "human" | "auto_reply" | "bounce" | "list" | "automated";

export interface ClassifyInput {
  headers: Array<{ name: string; value: string }>;
  subject: string | null;
  from: { address: string; name: string } | null;
  /** The SMTP MAIL FROM, without brackets; empty for the null reverse-path. */
  envelopeFrom: string;
  text: string | null;
  attachments: Array<{ contentType: string; content: Uint8Array; filename: string | null }>;
}

export interface Classification {
  kind: MessageKind;
  /** The headers or parts that decided it, as `Header-Name: value`; empty for human. */
  reasons: string[];
  /** One entry per failed (or, in a delay warning, delayed) recipient; null unless a bounce. */
  bounce: BounceRecipient[] | null;
}

/** Characters of a header value quoted in a reason. */
const REASON_VALUE_LIMIT = 120;
/** Characters of text searched for the words of a bounce. */
const BODY_PROBE_LIMIT = 8 * 1024;

interface Headers {
  get(name: string): string | null;
  all(name: string): string[];
}

function indexHeaders(headers: ClassifyInput["headers"]): Headers {
  const byName = new Map<string, string[]>();
  for (const { name, value } of headers) {
    const key = name.trim().toLowerCase();
    const values = byName.get(key) ?? [];
    values.push(value);
    byName.set(key, values);
  }
  return {
    get: (name) => byName.get(name.toLowerCase())?.[0] ?? null,
    all: (name) => byName.get(name.toLowerCase()) ?? [],
  };
}

function shown(value: string): string {
  const flat = collapseWhitespace(value);
  return flat.length > REASON_VALUE_LIMIT ? `${flat.slice(0, REASON_VALUE_LIMIT - 1)}…` : flat;
}

function reason(name: string, value: string): string {
  return `${name}: ${shown(value)}`;
}

/** The first token of a header value, lower case: `auto-replied (vacation)` is `auto-replied`. */
function token(value: string): string {
  return (
    value
      .trim()
      .toLowerCase()
      .split(/[\s;(]/)[0] ?? ""
  );
}

// --- Bounces ---

/** Subjects bounces are sent with (matched at the start; "Re:" in front means a person replied). */
const BOUNCE_SUBJECT =
  /^(?:\[[^\]]{1,40}\]\s*|\*+\s*)?(?:undeliver|mail delivery fail|delivery status|delivery notification|delivery fail|delivery has failed|failure notice|returned mail|returned message|message delivery (?:has )?failed|email delivery failure|non[- ]?deliver|message not delivered|mail system error|sorry, your message could not be delivered|could not send message|delayed mail|warning: could not send|warning: message .{0,80} delayed|delivery report|message you sent blocked|mail failure|email bounce|bounced mail|unzustellbar|nicht zustellbar|non remis|onbestelbaar|non recapitabile|no se puede entregar|não entregue|olevererbart|kan ikke leveres|nedoručiteln|niedostarczon|недоставленное сообщение|ваше сообщение не доставлено|メッセージを配信できません|メールエラー|未送達|无法投递|退信)/i;

/** What bounce texts say near their start, in the words of the common MTAs. */
const BOUNCE_TEXT =
  /i'm afraid i wasn't able to deliver|this message was created automatically by mail delivery software|could not be delivered to one or more|the following address(?:es)? had (?:permanent |transient )?(?:fatal )?(?:delivery )?errors|delivery to the following recipients? (?:failed|has been delayed)|delivery has failed to these recipients|unable to deliver (?:your )?message to the following|your message (?:could not|couldn't|wasn't|was not) (?:be )?delivered|message could not be delivered|there was an error delivering your mail|could not be delivered to|had delivery problems|^5\d\d[ -].{0,60}(?:user|mailbox|recipient|address)|following message to .{0,120} was undeliverable|this is a permanent error|failed permanently|delivery status notification|(?:e-?mail|message) you sent was rejected/im;

const DELAY_WORDS =
  /delay|warning: could not send|still being retried|will (?:continue to |keep )?(?:retry|try)|not yet been delivered/i;

function senderEvidence(input: ClassifyInput, headers: Headers): string[] {
  const found: string[] = [];
  const envelope = input.envelopeFrom.trim();
  if (envelope === "" || envelope === "<>") found.push("envelope sender is empty");
  else if (isDaemonAddress(envelope)) found.push(`envelope sender: ${shown(envelope)}`);
  const returnPath = headers.get("return-path");
  if (returnPath !== null && envelope !== "" && envelope !== "<>") {
    const path = returnPath.trim();
    if (/^<\s*>$/.test(path)) found.push("Return-Path: <>");
    else if (isDaemonAddress(path)) found.push(reason("Return-Path", path));
  }
  const from = input.from;
  if (from !== null) {
    if (from.address !== "" && isDaemonAddress(from.address)) found.push(`From: ${shown(from.address)}`);
    else if (
      /^(?:mail delivery (?:sub)?system|mail delivery service|mailer[-_ ]daemon|mail administrator)$/i.test(
        from.name.trim(),
      )
    )
      found.push(`From: ${shown(from.name)} <${shown(from.address)}>`);
  }
  return found;
}

function topContentType(headers: Headers): { type: string; reportType: string | null } {
  const value = headers.get("content-type") ?? "";
  const type = value.split(";")[0]?.trim().toLowerCase() ?? "";
  const reportType = value.match(/;\s*report-type\s*=\s*"?([A-Za-z0-9._-]+)"?/i)?.[1]?.toLowerCase() ?? null;
  return { type, reportType };
}

/** Addresses the bounce itself names as its sender and recipients: never the failed recipient. */
function ownAddresses(input: ClassifyInput, headers: Headers): Set<string> {
  const own = new Set<string>();
  const add = (value: string) => {
    for (const { address } of findAddresses(value.slice(0, 4096))) own.add(address.toLowerCase());
  };
  if (input.from !== null) add(input.from.address);
  add(input.envelopeFrom);
  for (const name of ["to", "cc", "delivered-to", "x-original-to", "envelope-to", "reply-to", "sender"]) {
    for (const value of headers.all(name)) add(value);
  }
  return own;
}

function failedRecipientsHeader(headers: Headers): string[] {
  const listed: string[] = [];
  for (const value of headers.all("x-failed-recipients")) {
    for (const { address } of findAddresses(value.slice(0, 4096))) listed.push(address);
  }
  return listed;
}

type BounceDecision =
  | { kind: "bounce"; reasons: string[]; bounce: BounceRecipient[] }
  | { kind: "report"; reasons: string[] };

/**
 * A bounce, a success report (RFC 3464 with only delivered/relayed/expanded
 * recipients, or another multipart/report: read receipts, abuse reports), or
 * neither.
 */
function readBounce(input: ClassifyInput, headers: Headers): BounceDecision | null {
  const { type, reportType } = topContentType(headers);
  const reasons: string[] = [];
  const dsnParts = input.attachments.filter((part) => isDeliveryStatusType(part.contentType));
  const senders = senderEvidence(input, headers);
  const subject = input.subject?.trim() ?? "";
  const subjectMatch = subject !== "" && BOUNCE_SUBJECT.test(subject);
  const bodyMatch = input.text?.slice(0, BODY_PROBE_LIMIT).match(BOUNCE_TEXT)?.[0] ?? null;
  const listed = failedRecipientsHeader(headers);

  const isReport = type === "multipart/report";
  const dsnReport = isReport && (reportType === "delivery-status" || reportType === "global-delivery-status");
  if (dsnReport) reasons.push(`Content-Type: multipart/report; report-type=${reportType}`);
  else if (isReport && reportType === null && dsnParts.length > 0)
    reasons.push("Content-Type: multipart/report");
  if (dsnParts.length > 0) reasons.push(`${dsnParts[0]?.contentType.toLowerCase()} part`);
  const structural = reasons.length > 0 && (dsnReport || isReport || senders.length > 0 || subjectMatch);

  const prose =
    (senders.length > 0 && (subjectMatch || bodyMatch !== null || listed.length > 0)) ||
    (subjectMatch && (bodyMatch !== null || listed.length > 0));

  if (!structural && !prose) {
    if (isReport && reportType !== null) {
      return { kind: "report", reasons: [`Content-Type: multipart/report; report-type=${reportType}`] };
    }
    return null;
  }
  reasons.push(...senders);
  if (listed.length > 0) reasons.push(reason("X-Failed-Recipients", listed.join(", ")));
  if (subjectMatch) reasons.push(reason("Subject", subject));
  if (bodyMatch !== null && !structural) reasons.push(`text: ${shown(bodyMatch)}`);

  const originalMessageId = returnedMessageId(input.attachments) ?? messageIdInText(input.text ?? "");
  if (dsnParts.length > 0) {
    const report = readDeliveryStatus(input.attachments, originalMessageId);
    if (report.readable) {
      const onlySuccess =
        report.recipients.length === 0 &&
        report.actions.length > 0 &&
        report.actions.every(
          (action) => action === "delivered" || action === "relayed" || action === "expanded",
        );
      if (onlySuccess) {
        return { kind: "report", reasons: [...reasons.slice(0, 2), `Action: ${report.actions[0]}`] };
      }
      return { kind: "bounce", reasons, bounce: report.recipients };
    }
  }
  const delayed = DELAY_WORDS.test(subject);
  const bounce = readTextBounce({
    text: input.text ?? "",
    exclude: ownAddresses(input, headers),
    action: delayed ? "delayed" : "failed",
    listed,
    originalMessageId,
  });
  return { kind: "bounce", reasons, bounce };
}

// --- Auto-replies ---

/**
 * Subjects of vacation and out-of-office replies, as Outlook, Exchange, Gmail,
 * Zimbra and Notes write them in their users' languages. Never enough alone: a
 * person may write "Out of office tomorrow?".
 */
const AUTO_REPLY_SUBJECT =
  /out of (?:the )?office|^(?:automatic reply|auto(?:matic)?[- ]?(?:reply|response|respon)|autoreply|auto:|abwesenheitsnotiz|automatische antwort|réponse automatique|reponse automatique|respuesta automática|respuesta automatica|risposta automatica|fuori sede|afwezig|automatisch antwoord|resposta automática|resposta automatica|autosvar|automaattinen vastaus|automatická odpověď|odpowiedź automatyczna|автоответ|автоматический ответ|自动回复|自動回覆|自動返信|자동 회신|vacation|on vacation|away from (?:the|my) office)/i;

function autoReplyEvidence(input: ClassifyInput, headers: Headers): string[] | null {
  const strong: string[] = [];
  const autoSubmitted = headers.get("auto-submitted");
  if (autoSubmitted !== null && token(autoSubmitted) === "auto-replied") {
    strong.push(reason("Auto-Submitted", autoSubmitted));
  }
  const xAutoreply = headers.get("x-autoreply");
  if (xAutoreply !== null && !/^(?:no|false|0)$/i.test(xAutoreply.trim()))
    strong.push(reason("X-Autoreply", xAutoreply));
  const xAutorespond = headers.get("x-autorespond");
  if (xAutorespond !== null) strong.push(reason("X-Autorespond", xAutorespond));
  const precedence = headers.get("precedence");
  if (precedence !== null && token(precedence) === "auto_reply")
    strong.push(reason("Precedence", precedence));
  if (strong.length > 0) return strong;

  const subject = input.subject?.trim() ?? "";
  if (subject === "" || !AUTO_REPLY_SUBJECT.test(subject)) return null;
  const support: string[] = [];
  const suppress = headers.get("x-auto-response-suppress");
  if (suppress !== null) support.push(reason("X-Auto-Response-Suppress", suppress));
  if (autoSubmitted !== null && token(autoSubmitted) !== "no")
    support.push(reason("Auto-Submitted", autoSubmitted));
  const rulesLoop = headers.get("x-ms-exchange-inbox-rules-loop");
  if (rulesLoop !== null) support.push(reason("X-MS-Exchange-Inbox-Rules-Loop", rulesLoop));
  if (precedence !== null && ["bulk", "junk", "list"].includes(token(precedence))) {
    support.push(reason("Precedence", precedence));
  }
  const envelope = input.envelopeFrom.trim();
  if (envelope === "" || envelope === "<>") support.push("envelope sender is empty");
  else if (/^<\s*>$/.test(headers.get("return-path")?.trim() ?? "")) support.push("Return-Path: <>");
  if (support.length === 0) return null;
  return [reason("Subject", subject), ...support];
}

// --- Lists ---

const LIST_HEADERS: Array<[string, string]> = [
  ["list-id", "List-Id"],
  ["list-unsubscribe", "List-Unsubscribe"],
  ["list-post", "List-Post"],
  ["x-mailing-list", "X-Mailing-List"],
  ["mailing-list", "Mailing-List"],
];

function listEvidence(headers: Headers): string[] | null {
  const found: string[] = [];
  for (const [key, name] of LIST_HEADERS) {
    const value = headers.get(key);
    if (value !== null) found.push(reason(name, value));
  }
  const precedence = headers.get("precedence");
  if (precedence !== null && ["list", "bulk"].includes(token(precedence)))
    found.push(reason("Precedence", precedence));
  return found.length > 0 ? found : null;
}

// --- Other automated mail ---

/** Senders that notifications come from: counted only beside a header that says so too. */
const NOTIFICATION_LOCAL =
  /^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|dont[-_.]?reply|notifications?|notify|alerts?|automated|system|daemon|bounces?|mailer)(?:[-_.+].*)?$/i;

/** Headers bulk and transactional senders add (Amazon SES, SendGrid, Mailgun, Postmark, Mandrill, Gmail's Feedback-ID). */
const SENDER_PLATFORM_HEADERS: Array<[string, string]> = [
  ["x-auto-generated", "X-Auto-Generated"],
  ["x-auto-response-suppress", "X-Auto-Response-Suppress"],
  ["feedback-id", "Feedback-ID"],
  ["x-ses-outgoing", "X-SES-Outgoing"],
  ["x-sg-eid", "X-SG-EID"],
  ["x-mailgun-sid", "X-Mailgun-Sid"],
  ["x-pm-message-id", "X-PM-Message-Id"],
  ["x-mandrill-user", "X-Mandrill-User"],
];

function automatedEvidence(input: ClassifyInput, headers: Headers): string[] | null {
  const found: string[] = [];
  const autoSubmitted = headers.get("auto-submitted");
  if (autoSubmitted !== null && token(autoSubmitted) !== "no" && token(autoSubmitted) !== "") {
    found.push(reason("Auto-Submitted", autoSubmitted));
  }
  const precedence = headers.get("precedence");
  if (precedence !== null && token(precedence) === "junk") found.push(reason("Precedence", precedence));
  const envelope = input.envelopeFrom.trim();
  if (envelope === "" || envelope === "<>") found.push("envelope sender is empty");
  const address = input.from?.address ?? "";
  const local = address.slice(0, address.lastIndexOf("@"));
  // The mail system itself; unlike postmaster@, never a person's address.
  if (address.includes("@") && /^mailer[-_.]?daemon$/i.test(local)) found.push(`From: ${shown(address)}`);
  else if (address.includes("@") && NOTIFICATION_LOCAL.test(local)) {
    const platform = SENDER_PLATFORM_HEADERS.flatMap(([key, name]) => {
      const value = headers.get(key);
      return value === null ? [] : [reason(name, value)];
    });
    if (platform.length > 0) found.push(`From: ${shown(address)}`, ...platform);
  }
  return found.length > 0 ? found : null;
}

/**
 * Classifies a parsed message. Pure and bounded: reads at most the first
 * 64 KB of the text and of each report part, so it costs the same on a
 * hostile message as on a real one.
 */
export function classifyMessage(input: ClassifyInput): Classification {
  const headers = indexHeaders(input.headers);
  const bounce = readBounce(input, headers);
  if (bounce?.kind === "bounce") return bounce;
  const autoReply = autoReplyEvidence(input, headers);
  if (autoReply !== null) return { kind: "auto_reply", reasons: autoReply, bounce: null };
  const list = listEvidence(headers);
  if (list !== null) return { kind: "list", reasons: list, bounce: null };
  const automated = automatedEvidence(input, headers);
  if (bounce?.kind === "report") {
    return { kind: "automated", reasons: [...bounce.reasons, ...(automated ?? [])], bounce: null };
  }
  if (automated !== null) return { kind: "automated", reasons: automated, bounce: null };
  return { kind: "human", reasons: [], bounce: null };
}
