import { commit, type Store } from "../../db/store";
import { BODY_OF_EVENT, eventBodySql } from "./log";

/**
 * The event log keeps `retentionDays` (OMNIMAIL_EVENT_RETENTION_DAYS, default
 * 7) of events. Older ones are deleted in batches of `batchSize`, each batch
 * its own short commit so that ingest never waits behind a long one; each
 * batch also records, per tenant, the largest seq it deleted, so a cursor from
 * before it is answered 410 (core/events/read.ts) instead of skipping events.
 * Run by the Bun process on a timer and by the Worker's cron.
 */
export async function purgeExpiredEvents(
  store: Pick<Store, "write">,
  options: { retentionDays: number; now?: number | undefined; batchSize?: number; maxBatches?: number },
): Promise<number> {
  const cutoff = (options.now ?? Date.now()) - options.retentionDays * 86_400_000;
  const batchSize = options.batchSize ?? 1000;
  // The statements select the same rows: they run in one transaction, one after the other.
  const expired = `SELECT seq FROM events WHERE created_at < ? ORDER BY seq LIMIT ?`;
  let deleted = 0;
  for (let batch = 0; batch < (options.maxBatches ?? 100); batch++) {
    const results = await commit(store, [
      // A delivery that carries its event's body (an empty payload, migration 0019) keeps a copy of it
      // from here on, so it can still be sent or replayed.
      {
        sql: `UPDATE webhook_deliveries
            SET payload = (SELECT ${eventBodySql("ev")} FROM events ev WHERE ev.seq = webhook_deliveries.event_seq)
          WHERE event_seq IN (${expired}) AND payload = ?`,
        args: [cutoff, batchSize, BODY_OF_EVENT],
      },
      {
        sql: `INSERT INTO event_purges (tenant_id, purged_through)
            SELECT tenant_id, max(seq) FROM events WHERE seq IN (${expired}) GROUP BY tenant_id
          ON CONFLICT (tenant_id) DO UPDATE SET purged_through = max(purged_through, excluded.purged_through)`,
        args: [cutoff, batchSize],
      },
      { sql: `DELETE FROM events WHERE seq IN (${expired})`, args: [cutoff, batchSize] },
    ]);
    const rows = results[2]?.rowsAffected ?? 0;
    deleted += rows;
    if (rows < batchSize) break;
  }
  return deleted;
}
