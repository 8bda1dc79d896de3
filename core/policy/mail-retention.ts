import { commit, type Store } from "../../db/store";
import { idAt } from "../ids";
import { messageDeletions } from "../messages/delete";

/**
 * Per-mailbox retention (PATCH /v1/mailboxes/{id} {retention_days}): mail older
 * than that is deleted in batches of `batchSize`, each its own short commit
 * with its `message.deleted` events (reason `retention`), so ingest never waits
 * behind a long one. Age is the message id's time (ids are made when DATA
 * ends), which the mailbox index orders. Run by the Bun process and the
 * Worker's cron, as event retention is.
 */
export async function deleteExpiredMail(
  store: Store,
  options: { now?: number | undefined; batchSize?: number; maxBatches?: number } = {},
): Promise<number> {
  const now = options.now ?? Date.now();
  const batchSize = options.batchSize ?? 500;
  let batches = options.maxBatches ?? 100;
  const mailboxes = await store.db.$client.execute(
    "SELECT id, tenant_id, retention_days FROM mailboxes WHERE retention_days IS NOT NULL",
  );
  let deleted = 0;
  for (const mailbox of mailboxes.rows) {
    const tenantId = String(mailbox.tenant_id);
    const cutoff = idAt("message", now - Number(mailbox.retention_days) * 86_400_000);
    // Every statement of a batch selects the same messages: the oldest ones, in id order, in one transaction.
    const scope = {
      where: `tenant_id = ? AND id IN (SELECT id FROM messages WHERE tenant_id = ? AND mailbox_id = ? AND id < ?
        ORDER BY id LIMIT ${batchSize})`,
      args: [tenantId, tenantId, String(mailbox.id), cutoff],
    };
    while (batches-- > 0) {
      const deletions = messageDeletions(scope, { reason: "retention", now });
      const results = await commit(store, deletions.statements, { announces: true });
      const rows = results[deletions.messageRowsAt]?.rowsAffected ?? 0;
      deleted += rows;
      if (rows < batchSize) break;
    }
    if (batches <= 0) break;
  }
  return deleted;
}
