import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../db/client";
import { attachments, messages } from "../../db/schema";
import { newId } from "../ids";
import type { SenderAuthResults } from "./auth";
import type { ParsedContent } from "./parse";

/** One accepted message as it reached us, with where it goes. */
export interface InboundMessage {
  /** The bytes as received, our Received: header already prepended. */
  raw: Uint8Array;
  envelope: {
    mailFrom: string;
    remoteIp: string | null;
    helo: string | null;
    tls: { protocol: string | null; cipher: string | null } | null;
  };
  content: ParsedContent | null;
  parseError: string | null;
  /** Sender authentication results (SPF, DKIM, DMARC, ARC), JSON-serialisable; null when not checked. */
  auth: SenderAuthResults | null;
  /**
   * One entry per distinct mailbox; `rcptTo` are the envelope recipients that
   * resolved to it. `messageId` is chosen by the caller (ids.ts) before the write,
   * so it can appear in the trace header and the 250 reply.
   */
  deliveries: Array<{ messageId: string; tenantId: string; mailboxId: string; rcptTo: string[] }>;
  receivedAt: number;
}

export interface StoredMessage {
  id: string;
  tenantId: string;
  mailboxId: string;
  /** Attachment ids in document order. */
  attachmentIds: string[];
}

/**
 * Extra statements to commit in the same batch for each stored copy
 * (the webhook outbox adds its rows here).
 */
export type CompanionWrites = (
  stored: StoredMessage,
  message: InboundMessage,
) => Promise<BatchItem<"sqlite">[]>;

/**
 * Stores one copy per mailbox, with attachments, search index rows and any
 * companion rows, in ONE batch: all of it commits or none of it does.
 */
export async function storeInboundMessage(
  db: Db,
  message: InboundMessage,
  companions: CompanionWrites[] = [],
): Promise<StoredMessage[]> {
  const statements: BatchItem<"sqlite">[] = [];
  const stored: StoredMessage[] = [];
  const content = message.content;
  const searchRecipients = [
    ...(content?.to ?? []).map(formatAddress),
    ...(content?.cc ?? []).map(formatAddress),
  ].join(" ");

  for (const delivery of message.deliveries) {
    const id = delivery.messageId;
    const copy: StoredMessage = {
      id,
      tenantId: delivery.tenantId,
      mailboxId: delivery.mailboxId,
      attachmentIds: [],
    };
    stored.push(copy);
    statements.push(
      db.insert(messages).values({
        id,
        tenantId: delivery.tenantId,
        mailboxId: delivery.mailboxId,
        envelopeFrom: message.envelope.mailFrom,
        envelopeTo: JSON.stringify(delivery.rcptTo),
        remoteIp: message.envelope.remoteIp,
        helo: message.envelope.helo,
        tls: message.envelope.tls ? JSON.stringify(message.envelope.tls) : null,
        subject: content?.subject ?? null,
        fromAddress: content?.from?.address ?? null,
        fromName: content?.from?.name ?? null,
        to: JSON.stringify(content?.to ?? []),
        cc: JSON.stringify(content?.cc ?? []),
        replyTo: JSON.stringify(content?.replyTo ?? []),
        date: content?.date ?? null,
        messageIdHeader: content?.messageId ?? null,
        inReplyTo: content?.inReplyTo ?? null,
        references: JSON.stringify(content?.references ?? []),
        headers: JSON.stringify(content?.headers ?? []),
        text: content?.text ?? null,
        html: content?.html ?? null,
        size: message.raw.byteLength,
        raw: message.raw,
        receivedAt: message.receivedAt,
        parseError: message.parseError,
        auth: message.auth ? JSON.stringify(message.auth) : null,
        attachmentCount: content?.attachments.length ?? 0,
      }),
      db.run(sql`INSERT INTO messages_fts (rowid, subject, sender, recipients, body)
        SELECT rowid, ${content?.subject ?? ""}, ${content?.from ? formatAddress(content.from) : message.envelope.mailFrom},
          ${searchRecipients}, ${content?.text ?? ""}
        FROM messages WHERE id = ${id}`),
    );
    for (const [position, attachment] of (content?.attachments ?? []).entries()) {
      const attachmentId = newId("attachment");
      copy.attachmentIds.push(attachmentId);
      statements.push(
        db.insert(attachments).values({
          id: attachmentId,
          messageId: id,
          tenantId: delivery.tenantId,
          position,
          filename: attachment.filename,
          contentType: attachment.contentType,
          disposition: attachment.disposition,
          contentId: attachment.contentId,
          size: attachment.size,
          sha256: attachment.sha256,
          content: attachment.content,
        }),
      );
    }
    for (const companion of companions) statements.push(...(await companion(copy, message)));
  }

  const [first, ...rest] = statements;
  if (!first) return [];
  await db.batch([first, ...rest]);
  return stored;
}

function formatAddress(address: { address: string; name: string }): string {
  return address.name ? `${address.name} <${address.address}>` : address.address;
}
