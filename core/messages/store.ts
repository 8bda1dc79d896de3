import type { Db } from "../../db/client";
import { attachments, messages } from "../../db/schema";
import { type SqlStatement, toStatement, type WriteStatements } from "../../db/statements";
import { newId } from "../ids";
import type { SenderAuthResults } from "./auth";
import type { ParsedContent } from "./parse";

/**
 * How much of a body the search index takes (characters). Search over the start
 * of a body finds what people search for; indexing all of a 25 MB text would
 * cost more memory and time than every other step of the ingest together.
 */
export const SEARCH_TEXT_LIMIT = 256 * 1024;

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
  /** Rows the companions (the webhook outbox) wrote for this copy; 0: nothing to announce. */
  companionRows: number;
}

/**
 * Extra statements to commit in the same batch for each stored copy
 * (the webhook outbox adds its rows here).
 */
export type CompanionWrites = (stored: StoredMessage, message: InboundMessage) => Promise<SqlStatement[]>;

/**
 * Stores one copy per mailbox, with attachments, search index rows and any
 * companion rows, in ONE batch: all of it commits or none of it does.
 * `write` commits the statements (by default on `db`'s own client; the Bun
 * SMTP edge passes its group-committing writer thread).
 */
export async function storeInboundMessage(
  db: Db,
  message: InboundMessage,
  companions: CompanionWrites[] = [],
  write: WriteStatements = async (statements) => {
    await db.$client.batch(statements, "write");
  },
): Promise<StoredMessage[]> {
  const statements: SqlStatement[] = [];
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
      companionRows: 0,
    };
    stored.push(copy);
    statements.push(
      toStatement(
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
      ),
      {
        sql: `INSERT INTO messages_fts (rowid, subject, sender, recipients, body)
          SELECT rowid, ?, ?, ?, ? FROM messages WHERE id = ?`,
        args: [
          content?.subject ?? "",
          content?.from ? formatAddress(content.from) : message.envelope.mailFrom,
          searchRecipients,
          (content?.text ?? "").slice(0, SEARCH_TEXT_LIMIT),
          id,
        ],
      },
    );
    for (const [position, attachment] of (content?.attachments ?? []).entries()) {
      const attachmentId = newId("attachment");
      copy.attachmentIds.push(attachmentId);
      statements.push(
        toStatement(
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
        ),
      );
    }
    for (const companion of companions) {
      const rows = await companion(copy, message);
      copy.companionRows += rows.length;
      statements.push(...rows);
    }
  }

  if (statements.length === 0) return [];
  await write(statements);
  return stored;
}

function formatAddress(address: { address: string; name: string }): string {
  return address.name ? `${address.name} <${address.address}>` : address.address;
}
