import type { SenderAuthResults } from "./auth";
import type { MailAddress } from "./parse";
import type { MessageRow, MessageSummaryRow } from "./read";

/** JSON shapes of the API and of webhook payloads (DESIGN.md, "HTTP API"). Times are ISO 8601. */

export interface Links {
  /** e.g. https://mail.example.com, no trailing slash. */
  publicUrl: string;
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function messageUrl(links: Links, id: string): string {
  return `${links.publicUrl}/v1/messages/${id}`;
}

/** An attachment's metadata as the API and webhooks show it; `messageUrl` is the message's API URL. */
export function toAttachmentJson(
  attachment: {
    id: string;
    filename: string | null;
    contentType: string;
    disposition: string | null;
    contentId: string | null;
    size: number;
    sha256: string;
  },
  messageUrl: string,
) {
  return {
    id: attachment.id,
    filename: attachment.filename,
    content_type: attachment.contentType,
    disposition: attachment.disposition,
    content_id: attachment.contentId,
    size: attachment.size,
    sha256: attachment.sha256,
    url: `${messageUrl}/attachments/${attachment.id}`,
  };
}

export function toMessageSummaryJson(row: MessageSummaryRow, links: Links) {
  return {
    id: row.id,
    mailbox_id: row.mailboxId,
    received_at: iso(row.receivedAt),
    from: row.fromAddress === null ? null : { address: row.fromAddress, name: row.fromName ?? "" },
    to: parseJson<MailAddress[]>(row.to, []),
    cc: parseJson<MailAddress[]>(row.cc, []),
    subject: row.subject,
    date: row.date,
    message_id: row.messageIdHeader,
    preview: row.preview,
    size: row.size,
    seen: row.seen,
    attachment_count: row.attachmentCount,
    parse_error: row.parseError,
    url: messageUrl(links, row.id),
  };
}

export function toMessageJson(row: MessageRow, links: Links) {
  const url = messageUrl(links, row.id);
  return {
    id: row.id,
    mailbox_id: row.mailboxId,
    received_at: iso(row.receivedAt),
    envelope: {
      mail_from: row.envelopeFrom,
      rcpt_to: parseJson<string[]>(row.envelopeTo, []),
      remote_ip: row.remoteIp,
      helo: row.helo,
      tls: parseJson<{ protocol: string | null; cipher: string | null } | null>(row.tls, null),
    },
    from: row.fromAddress === null ? null : { address: row.fromAddress, name: row.fromName ?? "" },
    to: parseJson<MailAddress[]>(row.to, []),
    cc: parseJson<MailAddress[]>(row.cc, []),
    reply_to: parseJson<MailAddress[]>(row.replyTo, []),
    subject: row.subject,
    date: row.date,
    message_id: row.messageIdHeader,
    in_reply_to: row.inReplyTo,
    references: parseJson<string[]>(row.references, []),
    headers: parseJson<Array<{ name: string; value: string }>>(row.headers, []),
    text: row.text,
    html: row.html,
    attachments: row.attachments.map((attachment) => toAttachmentJson(attachment, url)),
    size: row.size,
    seen: row.seen,
    parse_error: row.parseError,
    auth: parseJson<SenderAuthResults | null>(row.auth, null),
    raw_url: `${url}/raw`,
  };
}
