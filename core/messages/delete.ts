import type { SqlStatement } from "../../db/statements";
import { commit, type Store } from "../../db/store";
import { NotFoundError } from "../errors";
import { MESSAGE_DELETED, messageEventsInsert } from "../events/log";
import type { MessageDeletedData } from "../resources/events";
import { orphanedBlobDeletion } from "./blobs";

/**
 * Deleting mail removes the message row, its attachments, its full-text row
 * and the bytes no other copy refers to, and writes a `message.deleted` event
 * per message, together, in one batch. The index is
 * contentless, so its row must be deleted by rowid before the message row is
 * gone; the blobs likewise, while the rows still say which they are.
 */

/** Deletes one message. Another tenant's id is NotFound and nothing changes. */
export async function deleteMessage(store: Store, tenantId: string, id: string): Promise<void> {
  const deletions = messageDeletions(
    { where: "tenant_id = ? AND id = ?", args: [tenantId, id] },
    { reason: "api", now: Date.now() },
  );
  const results = await commit(store, deletions.statements, { announces: true });
  if ((results[deletions.messageRowsAt]?.rowsAffected ?? 0) === 0)
    throw new NotFoundError(`no message ${id}`);
}

/** The statements that delete every message of a mailbox; the caller runs them in its own batch. */
export function mailboxMessageDeletions(tenantId: string, mailboxId: string, now: number) {
  return messageDeletions(
    { where: "tenant_id = ? AND mailbox_id = ?", args: [tenantId, mailboxId] },
    { reason: "mailbox_deleted", now },
  );
}

/**
 * Deletes the messages `scope` selects; `messageRowsAt` is the index of the
 * statement whose rowsAffected counts the deleted messages.
 */
export function messageDeletions(
  scope: { where: string; args: Array<string | number> },
  event: { reason: MessageDeletedData["reason"]; now: number },
): {
  statements: SqlStatement[];
  messageRowsAt: number;
} {
  const inScope = `SELECT id FROM messages WHERE ${scope.where}`;
  const tenantId = scope.args[0] as string;
  return {
    // The events go in after the bytes and index rows are gone and before the message rows
    // (their data is read from them): on a full disk the event rows take pages the deletion
    // freed in this same transaction, so deleting mail to make room never fails for want of it.
    statements: [
      {
        sql: `DELETE FROM messages_fts WHERE rowid IN (SELECT rowid FROM messages WHERE ${scope.where})`,
        args: scope.args,
      },
      ...orphanedBlobDeletion(scope),
      {
        sql: `DELETE FROM attachments WHERE tenant_id = ? AND message_id IN (${inScope})`,
        args: [tenantId, ...scope.args],
      },
      messageEventsInsert({
        type: MESSAGE_DELETED,
        where: scope.where,
        args: scope.args,
        dataSql: "json_object('id', id, 'mailbox_id', mailbox_id, 'deleted_at', ?, 'reason', ?)",
        dataArgs: [new Date(event.now).toISOString(), event.reason],
        now: event.now,
      }),
      { sql: `DELETE FROM messages WHERE ${scope.where}`, args: scope.args },
    ],
    messageRowsAt: 5,
  };
}
