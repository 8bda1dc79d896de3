import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../db/client";
import { attachments, messages } from "../../db/schema";
import { NotFoundError } from "../errors";

/**
 * Deleting mail removes the message row (with its raw bytes), its attachments
 * and its full-text row together, in one batch. The index is contentless, so
 * its row must be deleted by rowid before the message row is gone.
 */

/** Deletes one message. Another tenant's id is NotFound and nothing changes. */
export async function deleteMessage(db: Db, tenantId: string, id: string): Promise<void> {
  const [row] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), eq(messages.id, id)))
    .limit(1);
  if (!row) throw new NotFoundError(`no message ${id}`);
  await db.batch([
    db.run(sql`DELETE FROM messages_fts WHERE rowid IN
      (SELECT rowid FROM ${messages} WHERE ${messages.tenantId} = ${tenantId} AND ${messages.id} = ${id})`),
    db.delete(attachments).where(and(eq(attachments.tenantId, tenantId), eq(attachments.messageId, id))),
    db.delete(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.id, id))),
  ]);
}

/** The statements that delete every message of a mailbox; the caller runs them in its own batch. */
export function mailboxMessageDeletions(
  db: Db,
  tenantId: string,
  mailboxId: string,
): [BatchItem<"sqlite">, BatchItem<"sqlite">, BatchItem<"sqlite">] {
  const inMailbox = and(eq(messages.tenantId, tenantId), eq(messages.mailboxId, mailboxId));
  return [
    db.run(sql`DELETE FROM messages_fts WHERE rowid IN
      (SELECT rowid FROM ${messages} WHERE ${messages.tenantId} = ${tenantId} AND ${messages.mailboxId} = ${mailboxId})`),
    db.run(sql`DELETE FROM ${attachments} WHERE ${attachments.tenantId} = ${tenantId} AND ${attachments.messageId} IN
      (SELECT ${messages.id} FROM ${messages} WHERE ${messages.tenantId} = ${tenantId} AND ${messages.mailboxId} = ${mailboxId})`),
    db.delete(messages).where(inMailbox),
  ];
}
