import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { webhookAttempts, webhookDeliveries, webhookEndpoints } from "../../db/schema";
import { toStatement, type WriteStatements } from "../../db/statements";
import { newId } from "../ids";
import type { Logger } from "../logger";
import { webhookHeaders } from "../webhooks/sign";
import type { WebhookResult, WebhookTransport } from "../webhooks/transport";

/**
 * The outbox drain, shared by the Bun process (nudged after each commit, and on
 * a timer for retries) and the Worker's cron. Named steps, as Svix's worker:
 *   claim  — one `UPDATE … RETURNING` leases due rows to this drainer;
 *   send   — sign (Standard Webhooks) and POST, bounded concurrency;
 *   record — delivered, or failed with the next attempt scheduled (jittered,
 *            honouring Retry-After), or dead after the last; 410 disables the endpoint.
 * Several drainers may run at once: a row is only ever leased to one of them, and
 * a drainer that crashed gets its rows back when the lease expires. Delivery is
 * at least once; `webhook-id` (the delivery id) is the receiver's idempotency key.
 */

export interface DrainDeps {
  db: Db;
  /**
   * Commits an attempt's records. The writer thread passes its group-commit
   * writer, so the records of concurrent sends (and the message batches) share
   * commits; default: one batch on `db`.
   */
  write?: WriteStatements | undefined;
  transport: WebhookTransport;
  logger: Logger;
  /** Seconds to wait before retry 1, 2, …; after the last retry fails the delivery is dead. */
  retryScheduleSeconds: number[];
  /** Identifies this drainer in `lease_owner`. */
  owner: string;
  now?: () => number;
}

export interface DrainOptions {
  batchSize?: number;
  concurrency?: number;
  leaseMs?: number;
  timeoutMs?: number;
  /** Stop claiming new batches after this long (a cron invocation has a budget). */
  budgetMs?: number;
}

export interface DrainCounts {
  claimed: number;
  delivered: number;
  failed: number;
  dead: number;
}

const DEFAULTS = { batchSize: 50, concurrency: 16, leaseMs: 60_000, timeoutMs: 15_000, budgetMs: 25_000 };

/** Longest wait a receiver's Retry-After can ask for. */
const MAX_RETRY_AFTER_SECONDS = 24 * 3600;

interface ClaimedRow {
  id: string;
  endpoint_id: string;
  tenant_id: string;
  payload: string;
  attempts: number;
  url: string;
  secret: string;
}

export async function drainOutbox(deps: DrainDeps, options: DrainOptions = {}): Promise<DrainCounts> {
  const settings = { ...DEFAULTS, ...options };
  const clock = deps.now ?? Date.now;
  const started = clock();
  const counts: DrainCounts = { claimed: 0, delivered: 0, failed: 0, dead: 0 };
  while (clock() - started < settings.budgetMs) {
    const rows = await claimDue(deps.db, { owner: deps.owner, now: clock(), ...settings });
    if (rows.length === 0) break;
    counts.claimed += rows.length;
    await forEachLimited(rows, settings.concurrency, async (row) => {
      try {
        const result = await sendOne(deps, row, settings.timeoutMs, clock);
        counts[await recordResult(deps, row, result, clock())]++;
      } catch (error) {
        // Left leased: it comes back to a drainer when the lease expires.
        deps.logger.error("webhook delivery not recorded", { delivery: row.id, error: String(error) });
      }
    });
    if (rows.length < settings.batchSize) break;
  }
  return counts;
}

/** Leases up to `batchSize` due rows of enabled endpoints to `owner`, counting the attempt. */
async function claimDue(
  db: Db,
  input: { owner: string; now: number; batchSize: number; leaseMs: number },
): Promise<ClaimedRow[]> {
  // Read first: most drains find nothing due, and a read takes no write lock
  // (an empty UPDATE would still queue behind the message writer for the lock).
  const due = await db.all<{ one: number }>(sql`
    SELECT 1 AS one FROM webhook_deliveries d
    JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.tenant_id = d.tenant_id
    WHERE e.enabled = 1
      AND ((d.status IN ('pending', 'failed') AND d.next_attempt_at <= ${input.now})
        OR (d.status = 'delivering' AND d.lease_until < ${input.now}))
    LIMIT 1`);
  if (due.length === 0) return [];
  const claimed = await db.all<Omit<ClaimedRow, "url" | "secret">>(sql`
    UPDATE webhook_deliveries
    SET status = 'delivering', lease_owner = ${input.owner}, lease_until = ${input.now + input.leaseMs},
        attempts = attempts + 1
    WHERE id IN (
      SELECT d.id FROM webhook_deliveries d
      JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.tenant_id = d.tenant_id
      WHERE e.enabled = 1
        AND ((d.status IN ('pending', 'failed') AND d.next_attempt_at <= ${input.now})
          OR (d.status = 'delivering' AND d.lease_until < ${input.now}))
      ORDER BY d.next_attempt_at
      LIMIT ${input.batchSize}
    )
    RETURNING id, endpoint_id, tenant_id, payload, attempts`);
  if (claimed.length === 0) return [];
  const endpointIds = [...new Set(claimed.map((row) => row.endpoint_id))];
  const endpoints = await db
    .select({ id: webhookEndpoints.id, url: webhookEndpoints.url, secret: webhookEndpoints.secret })
    .from(webhookEndpoints)
    .where(inArray(webhookEndpoints.id, endpointIds));
  const byId = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
  return claimed.flatMap((row) => {
    const endpoint = byId.get(row.endpoint_id);
    return endpoint
      ? [{ ...row, attempts: Number(row.attempts), url: endpoint.url, secret: endpoint.secret }]
      : [];
  });
}

async function sendOne(deps: DrainDeps, row: ClaimedRow, timeoutMs: number, clock: () => number) {
  const headers = await webhookHeaders({ secret: row.secret, id: row.id, body: row.payload, now: clock() });
  return deps.transport({ url: row.url, headers, body: row.payload, timeoutMs });
}

type Outcome = "delivered" | "failed" | "dead";

/** ±20 % so that retries after an outage do not arrive in one wave. */
function jitter(seconds: number): number {
  return seconds * (0.8 + Math.random() * 0.4);
}

async function recordResult(
  deps: DrainDeps,
  row: ClaimedRow,
  result: WebhookResult,
  now: number,
): Promise<Outcome> {
  const { db } = deps;
  const status = result.kind === "response" ? result.status : null;
  const ok = status !== null && status >= 200 && status < 300;
  const error = result.kind === "error" ? result.error : ok ? null : `HTTP ${status}`;
  const responseBody = result.kind === "response" ? result.body : null;
  const gone = status === 410;

  let outcome: Outcome;
  let nextAttemptAt = now;
  if (ok) outcome = "delivered";
  else if (gone || row.attempts > deps.retryScheduleSeconds.length) outcome = "dead";
  else {
    outcome = "failed";
    const scheduled = jitter(deps.retryScheduleSeconds[row.attempts - 1] ?? 0);
    const asked =
      result.kind === "response" && result.retryAfterSeconds !== null ? result.retryAfterSeconds : 0;
    nextAttemptAt = now + Math.round(1000 * Math.max(scheduled, Math.min(asked, MAX_RETRY_AFTER_SECONDS)));
  }

  const attempt = db.insert(webhookAttempts).values({
    id: newId("attempt"),
    deliveryId: row.id,
    tenantId: row.tenant_id,
    endpointId: row.endpoint_id,
    attempt: row.attempts,
    url: row.url,
    status,
    error,
    responseMs: result.durationMs,
    responseBody,
    createdAt: now,
  });
  // Only the lease holder records: if our lease expired and another drainer took
  // the row, its result stands.
  const update = db
    .update(webhookDeliveries)
    .set({
      status: outcome === "failed" ? "failed" : outcome,
      nextAttemptAt,
      leaseOwner: null,
      leaseUntil: null,
      lastStatus: status,
      lastError: gone ? "receiver answered 410 Gone; endpoint disabled" : error,
      lastResponseMs: result.durationMs,
      lastResponseBody: responseBody,
      deliveredAt: ok ? now : null,
    })
    .where(and(eq(webhookDeliveries.id, row.id), eq(webhookDeliveries.leaseOwner, deps.owner)));
  if (gone) {
    const disable = db
      .update(webhookEndpoints)
      .set({ enabled: false, disabledReason: "receiver answered 410 Gone", updatedAt: now })
      .where(and(eq(webhookEndpoints.id, row.endpoint_id), eq(webhookEndpoints.tenantId, row.tenant_id)));
    await commitRecords(deps, [attempt, update, disable]);
  } else {
    await commitRecords(deps, [attempt, update]);
  }
  if (!ok) {
    deps.logger.info("webhook attempt failed", {
      delivery: row.id,
      attempt: row.attempts,
      status,
      error,
      outcome,
    });
  }
  return outcome;
}

function commitRecords(deps: DrainDeps, queries: Array<{ toSQL(): { sql: string; params: unknown[] } }>) {
  const statements = queries.map(toStatement);
  return deps.write
    ? deps.write(statements)
    : deps.db.$client.batch(statements, "write").then(() => undefined);
}

async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}
