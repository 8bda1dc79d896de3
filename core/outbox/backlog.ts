import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";

/**
 * The outbox as /metrics shows it: deliveries still to send, and how long the
 * oldest one that is due has waited (a drain that keeps up keeps it near 0).
 * One read, made at scrape time.
 */
export async function readOutboxBacklog(
  db: Db,
  now: number,
): Promise<{ outboxBacklog: number; outboxOldestDueSeconds: number }> {
  const [row] = await db.all<{ backlog: number; oldest_due: number | null }>(sql`
    SELECT count(*) AS backlog,
      min(CASE WHEN status IN ('pending', 'failed') AND next_attempt_at <= ${now} THEN next_attempt_at END) AS oldest_due
    FROM webhook_deliveries WHERE status IN ('pending', 'failed', 'delivering')`);
  const oldest = row?.oldest_due === null || row?.oldest_due === undefined ? now : Number(row.oldest_due);
  return {
    outboxBacklog: Number(row?.backlog ?? 0),
    outboxOldestDueSeconds: Math.max(0, (now - oldest) / 1000),
  };
}
