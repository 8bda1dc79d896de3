import {
  asIngress,
  copySize,
  type InboundMessage,
  type Ingress,
  type StoredMessage,
} from "../ingest/inbound-message";
import {
  type DerivedFields,
  derivedFieldsOf,
  EMPTY_DERIVED,
  type MessageKind,
  markdownOf,
  PAYLOAD_TEXT_CHARS,
  strippedTextOf,
} from "../messages/analyze";
import type { SenderAuthResults } from "../messages/auth";
import type { MailAddress } from "../messages/parse";
import type { MessageRow } from "../messages/read";
import { iso, type Links, messageUrl, toAttachmentJson } from "../messages/serialize";
import type { MessageReceivedData, MessageReceivedEvent, WebhookTestEvent } from "../resources/events";

/**
 * Webhook bodies are thin by design (DESIGN.md, "Webhooks"): a summary of the
 * message and URLs to fetch the rest. Text is cut at 64 KiB and the whole body
 * is kept under 256 KiB, trimming recipient lists last, so a hostile message
 * (a 135 KB To: header) cannot make an undeliverable event. Each body is typed
 * by its documented schema (core/resources/events.ts: /openapi.json `webhooks`).
 */
export const TEXT_LIMIT = 64 * 1024;
export const PAYLOAD_LIMIT = 256 * 1024;

export type WebhookEvent = MessageReceivedEvent | WebhookTestEvent;

/** A `message.received` event and its data as JSON, serialized once while it was fitted (the event log stores it). */
export interface FittedReceivedEvent {
  event: MessageReceivedEvent;
  dataJson: string;
}

/** True when `text` is at most `maxBytes` in UTF-8 (a UTF-16 unit is at most 3 bytes: most texts need no encoding). */
function fitsUtf8(text: string, maxBytes: number): boolean {
  return text.length * 3 <= maxBytes || new TextEncoder().encode(text).byteLength <= maxBytes;
}

function truncateUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  if (text.length * 3 <= maxBytes) return { text, truncated: false };
  const bytes = new TextEncoder().encode(text);
  if (bytes.byteLength <= maxBytes) return { text, truncated: false };
  // Decoding a cut in the middle of a character drops that partial character.
  return {
    text: new TextDecoder().decode(bytes.subarray(0, maxBytes)).replace(/\uFFFD$/, ""),
    truncated: true,
  };
}

/** What a `message.received` body is made from, whether the message was just parsed or is read back. */
interface ReceivedCopy {
  id: string;
  mailboxId: string;
  receivedAt: number;
  mailFrom: string;
  rcptTo: string[];
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  subject: string | null;
  date: string | null;
  messageId: string | null;
  text: string | null;
  attachments: Array<Parameters<typeof toAttachmentJson>[0]>;
  size: number;
  parseError: string | null;
  ingress: Ingress;
  replyRef: string | null;
  auth: SenderAuthResults | null;
  textSource: "text" | "html" | null;
  kind: MessageKind["kind"] | null;
  derived: DerivedFields;
  /** The text body's Markdown made where it was parsed (MessageAnalysis.textMarkdown), if it was. */
  textMarkdown?: string | null | undefined;
}

/** How much of each derived text a webhook carries (the API has all of it). */
const DERIVED_TEXT_LIMIT = 16 * 1024;
const LINKS_IN_PAYLOAD = 100;

function messageReceivedEvent(copy: ReceivedCopy, links: Links): FittedReceivedEvent {
  const url = messageUrl(links, copy.id);
  // As the API shows them (core/messages/analyze.ts), from the start of the text only: the body has a budget.
  const head = copy.text === null ? null : copy.text.slice(0, PAYLOAD_TEXT_CHARS);
  const strippedText = strippedTextOf(copy.derived.stripped_text, head);
  const markdown =
    copy.derived.markdown === null && copy.textMarkdown !== undefined
      ? copy.textMarkdown
      : markdownOf(copy.derived.markdown, head, copy.textSource);
  const text = truncateUtf8(copy.text ?? "", TEXT_LIMIT);
  const data: MessageReceivedData = {
    id: copy.id,
    mailbox_id: copy.mailboxId,
    received_at: iso(copy.receivedAt),
    envelope: { mail_from: copy.mailFrom, rcpt_to: copy.rcptTo },
    from: copy.from,
    to: copy.to,
    cc: copy.cc,
    subject: copy.subject,
    date: copy.date,
    message_id: copy.messageId,
    text: copy.text === null ? null : text.text,
    text_truncated: text.truncated,
    attachments: copy.attachments.map((attachment) => toAttachmentJson(attachment, url)),
    size: copy.size,
    parse_error: copy.parseError,
    ingress: copy.ingress,
    reply_ref: copy.replyRef,
    text_source: copy.textSource,
    stripped_text: strippedText === null ? null : truncateUtf8(strippedText, DERIVED_TEXT_LIMIT).text,
    signature:
      copy.derived.signature === null ? null : truncateUtf8(copy.derived.signature, DERIVED_TEXT_LIMIT).text,
    markdown: markdown === null ? null : truncateUtf8(markdown, DERIVED_TEXT_LIMIT).text,
    markdown_truncated:
      (markdown !== null && !fitsUtf8(markdown, DERIVED_TEXT_LIMIT)) ||
      (copy.derived.markdown === null && (copy.text?.length ?? 0) > (head?.length ?? 0)),
    // Set inside the commit, where the thread is decided (core/events/log.ts).
    thread_id: null,
    kind: copy.kind,
    kind_reasons: copy.derived.kind_reasons,
    bounce: copy.derived.bounce,
    header_anomalies: copy.derived.header_anomalies,
    codes: copy.derived.codes.slice(0, 20),
    links: copy.derived.links.slice(0, LINKS_IN_PAYLOAD),
    auth: copy.auth ? authSummary(copy.auth) : null,
    url,
    // Signed when sent (core/outbox/drain.ts) and when read from the event log, never stored signed.
    raw_url: `${url}/raw`,
    attachments_included: false,
  };
  return fitPayload({ type: "message.received", timestamp: iso(copy.receivedAt) ?? "", data });
}

/** The event of a copy being stored now. */
export function buildMessageReceivedEvent(
  stored: StoredMessage,
  message: InboundMessage,
  attachmentIds: string[],
  links: Links,
): FittedReceivedEvent {
  const content = message.content;
  const delivery = message.deliveries.find((entry) => entry.messageId === stored.id);
  return messageReceivedEvent(
    {
      id: stored.id,
      mailboxId: stored.mailboxId,
      receivedAt: message.receivedAt,
      mailFrom: message.envelope.mailFrom,
      rcptTo: delivery?.rcptTo ?? [],
      from: content?.from ?? null,
      to: content?.to ?? [],
      cc: content?.cc ?? [],
      subject: content?.subject ?? null,
      date: content?.date ?? null,
      messageId: content?.messageId ?? null,
      text: message.analysis?.text ?? content?.text ?? null,
      textSource: message.analysis?.textSource ?? null,
      kind: message.kind.kind,
      derived: derivedFieldsOf(message.analysis, message.kind, content),
      textMarkdown: message.analysis?.textMarkdown,
      attachments: (content?.attachments ?? []).map((attachment, index) => ({
        ...attachment,
        id: attachmentIds[index] ?? "",
      })),
      size: copySize(delivery?.traceHeader ?? "", message.raw),
      parseError: message.parseError,
      ingress: message.ingress,
      replyRef: delivery?.replyRef ?? null,
      auth: message.auth,
    },
    links,
  );
}

/** The event of a stored copy, read back (a quarantined message being released). */
export function messageReceivedEventFromRow(row: MessageRow, links: Links): FittedReceivedEvent {
  const parse = <T>(text: string | null, fallback: T): T => {
    try {
      return text === null ? fallback : (JSON.parse(text) as T);
    } catch {
      return fallback;
    }
  };
  return messageReceivedEvent(
    {
      id: row.id,
      mailboxId: row.mailboxId,
      receivedAt: row.receivedAt,
      mailFrom: row.envelopeFrom,
      rcptTo: parse<string[]>(row.envelopeTo, []),
      from: row.fromAddress === null ? null : { address: row.fromAddress, name: row.fromName ?? "" },
      to: parse<MailAddress[]>(row.to, []),
      cc: parse<MailAddress[]>(row.cc, []),
      subject: row.subject,
      date: row.date,
      messageId: row.messageIdHeader,
      text: row.text,
      textSource: row.textSource === "text" || row.textSource === "html" ? row.textSource : null,
      kind: (row.kind as MessageKind["kind"] | null) ?? null,
      derived: { ...EMPTY_DERIVED, ...parse<Partial<DerivedFields>>(row.derived, {}) },
      attachments: row.attachments,
      size: row.size,
      parseError: row.parseError,
      ingress: asIngress(row.ingress),
      replyRef: row.replyRef,
      auth: parse<SenderAuthResults | null>(row.auth, null),
    },
    links,
  );
}

/** The verdicts only (the raw Authentication-Results header stays in the API). */
function authSummary(auth: SenderAuthResults): Omit<SenderAuthResults, "header"> {
  const { header: _header, ...verdicts } = auth;
  return verdicts;
}

/**
 * Shrinks the variable-size fields until the JSON fits PAYLOAD_LIMIT. The body
 * is `{"type":…,"timestamp":…,"data":<data>}`, so it is measured by its data's
 * JSON, which is made once per try and kept.
 */
function fitPayload(event: MessageReceivedEvent): FittedReceivedEvent {
  const around =
    JSON.stringify({ type: event.type, timestamp: event.timestamp, data: null }).length - "null".length;
  const data = event.data;
  let dataJson = JSON.stringify(data);
  const fits = () => fitsUtf8(dataJson, PAYLOAD_LIMIT - around);
  if (fits()) return { event, dataJson };
  const shrinkers: Array<() => void> = [
    () => {
      data.markdown = null;
      data.markdown_truncated = true;
      data.links = data.links.slice(0, 10);
      data.signature = data.signature === null ? null : truncateUtf8(data.signature, 1024).text;
    },
    () => {
      data.stripped_text =
        data.stripped_text === null ? null : truncateUtf8(data.stripped_text, 8 * 1024).text;
    },
    () => {
      data.text = truncateUtf8(String(data.text ?? ""), 8 * 1024).text;
      data.text_truncated = true;
    },
    () => {
      data.to = data.to.slice(0, 50);
      data.cc = data.cc.slice(0, 50);
      data.recipients_truncated = true;
    },
    () => {
      data.attachments = data.attachments.slice(0, 100);
      data.attachments_truncated = true;
    },
    () => {
      data.subject = truncateUtf8(String(data.subject ?? ""), 4096).text;
      data.to = [];
      data.cc = [];
      data.text = null;
      data.stripped_text = null;
      data.codes = data.codes.slice(0, 5);
      data.links = [];
    },
  ];
  for (const shrink of shrinkers) {
    shrink();
    dataJson = JSON.stringify(data);
    if (fits()) break;
  }
  return { event, dataJson };
}

export function buildTestEvent(endpointId: string, now: number): WebhookTestEvent {
  return {
    type: "webhook.test",
    timestamp: new Date(now).toISOString(),
    data: { endpoint_id: endpointId, message: "This is a test event from OmniMail." },
  };
}
