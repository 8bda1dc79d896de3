import { copySize, type InboundMessage, type StoredMessage } from "../ingest/inbound-message";
import type { SenderAuthResults } from "../messages/auth";
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

function truncateUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const bytes = new TextEncoder().encode(text);
  if (bytes.byteLength <= maxBytes) return { text, truncated: false };
  // Decoding a cut in the middle of a character drops that partial character.
  return {
    text: new TextDecoder().decode(bytes.subarray(0, maxBytes)).replace(/\uFFFD$/, ""),
    truncated: true,
  };
}

export function buildMessageReceivedEvent(
  stored: StoredMessage,
  message: InboundMessage,
  attachmentIds: string[],
  links: Links,
): MessageReceivedEvent {
  const content = message.content;
  const url = messageUrl(links, stored.id);
  const text = truncateUtf8(content?.text ?? "", TEXT_LIMIT);
  const delivery = message.deliveries.find((entry) => entry.messageId === stored.id);
  const data: MessageReceivedData = {
    id: stored.id,
    mailbox_id: stored.mailboxId,
    received_at: iso(message.receivedAt),
    envelope: { mail_from: message.envelope.mailFrom, rcpt_to: delivery?.rcptTo ?? [] },
    from: content?.from ?? null,
    to: content?.to ?? [],
    cc: content?.cc ?? [],
    subject: content?.subject ?? null,
    date: content?.date ?? null,
    message_id: content?.messageId ?? null,
    text: content?.text === undefined || content?.text === null ? null : text.text,
    text_truncated: text.truncated,
    attachments: (content?.attachments ?? []).map((attachment, index) =>
      toAttachmentJson({ ...attachment, id: attachmentIds[index] ?? "" }, url),
    ),
    size: copySize(delivery?.traceHeader ?? "", message.raw),
    parse_error: message.parseError,
    ingress: message.ingress,
    reply_ref: delivery?.replyRef ?? null,
    auth: message.auth ? authSummary(message.auth) : null,
    url,
    // Signed when sent (core/outbox/drain.ts) and when read from the event log, never stored signed.
    raw_url: `${url}/raw`,
    attachments_included: false,
  };
  return fitPayload({ type: "message.received", timestamp: iso(message.receivedAt) ?? "", data });
}

/** The verdicts only (the raw Authentication-Results header stays in the API). */
function authSummary(auth: SenderAuthResults): Omit<SenderAuthResults, "header"> {
  const { header: _header, ...verdicts } = auth;
  return verdicts;
}

/** Shrinks the variable-size fields until the JSON fits PAYLOAD_LIMIT. */
function fitPayload(event: MessageReceivedEvent): MessageReceivedEvent {
  const size = () => new TextEncoder().encode(JSON.stringify(event)).byteLength;
  if (size() <= PAYLOAD_LIMIT) return event;
  const data = event.data;
  const shrinkers: Array<() => void> = [
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
    },
  ];
  for (const shrink of shrinkers) {
    shrink();
    if (size() <= PAYLOAD_LIMIT) break;
  }
  return event;
}

export function buildTestEvent(endpointId: string, now: number): WebhookTestEvent {
  return {
    type: "webhook.test",
    timestamp: new Date(now).toISOString(),
    data: { endpoint_id: endpointId, message: "This is a test event from OmniMail." },
  };
}
