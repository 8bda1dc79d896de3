import { sql } from "drizzle-orm";
import type { SqlStatement } from "../../db/statements";
import { commit, type Store } from "../../db/store";
import { BODY_OF_EVENT, endpointDisabledEventInsert, eventBodySql, MESSAGE_RECEIVED } from "../events/log";
import { newId } from "../ids";
import { signBodyLinks } from "../links/signed-links";
import type { Logger } from "../logger";
import { webhookHeaders } from "../webhooks/sign";
import type { WebhookResult, WebhookTransport } from "../webhooks/transport";

/**
 * The outbox drain, shared by the Bun process (runtime/outbox-drain.ts: nudged
 * after each commit that queued deliveries, and on a timer for retries) and the
 * Worker's cron. Named steps, as Svix's worker:
 *   claim  — one `UPDATE … RETURNING` leases due rows to this drainer: as many
 *            as it has send slots, plus as many again claimed ahead, so the
 *            next claim (a commit) is made while the sends are in flight;
 *   send   — sign (Standard Webhooks; during a secret rotation's grace period with
 *            the previous secret too) and POST;
 *   record — delivered, or failed with the next attempt scheduled (jittered,
 *            honouring Retry-After), or dead after the last; 410 disables the endpoint.
 *
 * The lease (timeout × 2 + margin) covers a row's wait for a slot, which is at
 * most one send (the rows claimed ahead are no more than the slots), its own
 * send and its record, so a second drainer re-claims a row only when the
 * first really stopped. Only the lease holder records: the attempt row and the
 * outcome are written only while the row is still leased to this drainer for
 * this attempt. Fair shares: a drainer has at most `perEndpoint` sends in
 * flight to one endpoint, and at most 2 × `perEndpoint` rows of one endpoint
 * are leased across every drainer (sending, or claimed ahead while the sends
 * go on), so a dead endpoint holds a few slots while other tenants' deliveries
 * go on. Delivery is at least once; `webhook-id` (the
 * delivery id) is the receiver's idempotency key.
 */

export interface DrainDeps {
  /** Claims and records commit through the Store (the Bun writer thread group-commits them). */
  store: Pick<Store, "db" | "write">;
  transport: WebhookTransport;
  logger: Logger;
  /** Seconds to wait before retry 1, 2, …; after the last retry fails the delivery is dead. */
  retryScheduleSeconds: number[];
  /** Identifies this drainer in `lease_owner`. */
  owner: string;
  /** How long the signed links in a body open without a key (default 3600 s). */
  signedUrlTtlSeconds?: number | undefined;
  now?: () => number;
}

export interface DrainOptions {
  /** Sends in flight at once, per drainer. */
  concurrency?: number;
  /** Sends in flight at once to one endpoint, across all drainers. */
  perEndpoint?: number;
  timeoutMs?: number;
  /** Added to 2 × timeout for the lease (time to record the outcome). */
  leaseMarginMs?: number;
  /** Stop claiming after this long (a cron invocation has a budget); sends in flight finish. */
  budgetMs?: number;
  /** Resolves when there may be new work (a nudge); the run then claims again at once. */
  wake?: (() => Promise<void>) | undefined;
  /** True once the drainer is stopping: claim nothing more, finish and record the sends in flight. */
  stopping?: (() => boolean) | undefined;
  /**
   * The run starts because deliveries were just queued (a commit that announced them): its first
   * claim goes straight to the claiming write, as does a claim after a `wake`, without the read before it.
   */
  queuedNow?: boolean | undefined;
}

export interface DrainCounts {
  claimed: number;
  delivered: number;
  failed: number;
  dead: number;
  /**
   * When the earliest row not yet due comes due (a retry, or a lease that runs
   * out), epoch ms; null when nothing is waiting. A drainer that is woken by
   * commits sleeps until then instead of polling.
   */
  nextDueAt: number | null;
}

const DEFAULTS = {
  concurrency: 16,
  perEndpoint: 8,
  timeoutMs: 15_000,
  leaseMarginMs: 10_000,
  budgetMs: 25_000,
};

/** Longest wait a receiver's Retry-After can ask for. */
const MAX_RETRY_AFTER_SECONDS = 24 * 3600;

interface ClaimedRow {
  id: string;
  endpoint_id: string;
  tenant_id: string;
  event_type: string;
  payload: string;
  attempts: number;
  /** The tenant's link key: a message's URLs in the body are signed with it at send time. */
  linkKey: string | null;
  url: string;
  secret: string;
  /** The secret a rotation replaced, and until when (ms) it still signs. */
  previousSecret: string | null;
  previousSecretExpiresAt: number | null;
}

export async function drainOutbox(deps: DrainDeps, options: DrainOptions = {}): Promise<DrainCounts> {
  const settings = { ...DEFAULTS, ...options };
  const clock = deps.now ?? Date.now;
  const started = clock();
  const counts: DrainCounts = { claimed: 0, delivered: 0, failed: 0, dead: 0, nextDueAt: null };
  const sending = new Set<Promise<void>>();
  /** This drainer's sends in flight per endpoint (rows sent but still being recorded are not counted). */
  const sendingTo = new Map<string, number>();
  /**
   * Claimed rows waiting for a send slot of their endpoint. The next claim is
   * made while sends are in flight (a claim is a commit, which under load takes
   * longer than a POST to a fast receiver), so the slots never wait for it.
   */
  const queued: ClaimedRow[] = [];
  const adjust = (counts: Map<string, number>, key: string, by: number) => {
    const next = (counts.get(key) ?? 0) + by;
    if (next > 0) counts.set(key, next);
    else counts.delete(key);
  };
  const startSends = () => {
    for (let index = 0; index < queued.length && sending.size < settings.concurrency; ) {
      const row = queued[index] as ClaimedRow;
      if ((sendingTo.get(row.endpoint_id) ?? 0) >= settings.perEndpoint) {
        index++;
        continue;
      }
      queued.splice(index, 1);
      adjust(sendingTo, row.endpoint_id, 1);
      // The POST has its answer: the endpoint's slot is free for the next queued row
      // (and a row waiting for its record holds none of the endpoint's share).
      const sent = () => {
        adjust(sendingTo, row.endpoint_id, -1);
        startSends();
      };
      const send = deliverOne(deps, row, settings.timeoutMs, clock, sent)
        .then((outcome) => {
          if (outcome) counts[outcome]++;
        })
        .finally(() => sending.delete(send));
      sending.add(send);
    }
  };
  let idle = false;
  /**
   * Something is likely due (the run was started or woken by queued deliveries, or the last claim
   * filled its room), so the next claim skips the read before it.
   */
  let expectDue: boolean = settings.queuedNow ?? false;
  let dueUnknown = false;

  for (;;) {
    startSends();
    // Held at most: a send slot and a queued row for each slot (per endpoint likewise, in the claim).
    const room = 2 * settings.concurrency - sending.size - queued.length;
    const inBudget = clock() - started < settings.budgetMs && !settings.stopping?.();
    if (!idle && room > 0 && inBudget) {
      // What this drainer holds of each endpoint's share, counted when the claim is made: its
      // sends in flight and its queued rows.
      const heldBy = () => {
        const held = new Map(sendingTo);
        for (const row of queued) adjust(held, row.endpoint_id, 1);
        return held;
      };
      const claimed: Awaited<ReturnType<typeof claimDue>> = await claimDue(deps, {
        now: clock(),
        limit: room,
        heldBy,
        expectDue,
        ...settings,
        share: 2 * settings.perEndpoint,
      }).catch((error: unknown) => {
        throw new Error(`claiming due webhook deliveries failed: ${String(error)}`, { cause: error });
      });
      const rows = claimed.rows;
      // Unknown (a claim that skipped the read): read once this run has nothing left to do.
      dueUnknown = claimed.nextDueAt === undefined;
      if (claimed.nextDueAt !== undefined) counts.nextDueAt = claimed.nextDueAt;
      counts.claimed += rows.length;
      expectDue = rows.length === room;
      if (rows.length < room) idle = true;
      queued.push(...rows);
      if (rows.length > 0) continue;
    }
    // Claimed rows are always sent, even once the budget is spent or the drainer stops: they are leased to it.
    if (sending.size === 0 && queued.length === 0 && (idle || !inBudget)) {
      if (dueUnknown) counts.nextDueAt = (await readDue(deps, clock())).nextDueAt;
      break;
    }
    const woken = settings.wake?.().then(() => {
      expectDue = true;
    });
    await Promise.race(woken && inBudget ? [...sending, woken] : [...sending]);
    if (inBudget) idle = false;
  }
  return counts;
}

/**
 * Leases up to `limit` due rows to this drainer (fair per endpoint), counting
 * the attempt. Reads first, in one statement: whether anything is due now, and
 * if not, when the next row comes due; unless `expectDue` (deliveries were just
 * queued, or the last claim filled its room: each claim is then one write and no read), in which
 * case `nextDueAt` is undefined and the drain reads it when it has nothing left
 * to send, never between a claim and its sends.
 */
async function claimDue(
  deps: DrainDeps,
  input: {
    now: number;
    limit: number;
    /** Rows of one endpoint that may be leased at once, across drainers. */
    share: number;
    timeoutMs: number;
    leaseMarginMs: number;
    /** This drainer's rows per endpoint, sending or queued, as they are when the claim is made. */
    heldBy: () => Map<string, number>;
    expectDue: boolean;
  },
): Promise<{ rows: ClaimedRow[]; nextDueAt: number | null | undefined }> {
  const { now } = input;
  let before: { due: boolean; nextDueAt: number | null } | null = null;
  if (!input.expectDue) {
    // A read takes no write lock, and most drains find nothing due.
    before = await readDue(deps, now);
    if (!before.due) return { rows: [], nextDueAt: before.nextDueAt };
  }
  const lease = now + 2 * input.timeoutMs + input.leaseMarginMs;
  const claim = claimStatement({
    owner: deps.owner,
    lease,
    now,
    share: input.share,
    held: input.heldBy(),
    limit: input.limit,
  });
  const [result] = await commit(deps.store, [claim]);
  const rows = (result?.rows ?? []).map((row) => ({
    id: String(row.id),
    endpoint_id: String(row.endpoint_id),
    tenant_id: String(row.tenant_id),
    event_type: String(row.event_type),
    payload: String(row.payload),
    attempts: Number(row.attempts),
    linkKey: row.link_key === null ? null : String(row.link_key),
    url: String(row.url),
    secret: String(row.secret),
    previousSecret: row.previous_secret === null ? null : String(row.previous_secret),
    previousSecretExpiresAt:
      row.previous_secret_expires_at === null ? null : Number(row.previous_secret_expires_at),
  }));
  // Without the read before, when the next row comes due is left unknown: the rows are sent first.
  return { rows, nextDueAt: before ? before.nextDueAt : undefined };
}

/** Whether any row is due at `now`, and when the earliest one not yet due comes due (epoch ms). */
async function readDue(deps: DrainDeps, now: number): Promise<{ due: boolean; nextDueAt: number | null }> {
  const [due] = await deps.store.db.all<{
    due: number | null;
    next_retry: number | null;
    next_lease: number | null;
  }>(sql`
    SELECT
      (SELECT 1 FROM webhook_deliveries d
        JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.tenant_id = d.tenant_id
        WHERE e.enabled = 1
          AND ((d.status IN ('pending', 'failed') AND d.next_attempt_at <= ${now})
            OR (d.status = 'delivering' AND d.lease_until < ${now}))
        LIMIT 1) AS due,
      (SELECT min(d.next_attempt_at) FROM webhook_deliveries d
        JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.tenant_id = d.tenant_id
        WHERE e.enabled = 1 AND d.status IN ('pending', 'failed') AND d.next_attempt_at > ${now}) AS next_retry,
      (SELECT min(d.lease_until) FROM webhook_deliveries d
        WHERE d.status = 'delivering' AND d.lease_until >= ${now}) AS next_lease`);
  const upcoming = [due?.next_retry, due?.next_lease].filter(
    (value): value is number => value !== null && value !== undefined,
  );
  return {
    due: Boolean(due?.due),
    nextDueAt: upcoming.length > 0 ? Math.min(...upcoming.map(Number)) : null,
  };
}

/**
 * The claim: leases up to `limit` due rows (never sent or failed and due now,
 * or leased to a drainer whose lease ran out) to `owner`, at most `share` of
 * one endpoint's across drainers, counting the attempt. Exported for the test
 * that pins its plan (tests/db/drain-claim-plan.test.ts).
 */
export function claimStatement(input: {
  owner: string;
  lease: number;
  now: number;
  share: number;
  /** This drainer's rows per endpoint, sending or queued. */
  held: Map<string, number>;
  limit: number;
}): SqlStatement {
  // Each enabled endpoint's earliest due rows, about its share of each status: index ranges
  // (webhook_deliveries_endpoint_due_idx) that end at the share-th row, so a claim costs the same
  // with ten rows waiting or a million (ranking every due row took 34 ms at 10,000, on the writer's
  // thread, while the backlog it was meant to clear grew).
  // Endpoint by endpoint (CROSS JOIN keeps the planner from walking every due row instead).
  const perEndpoint = (condition: string) => `SELECT d.id, d.endpoint_id, d.next_attempt_at
          FROM webhook_endpoints e
            CROSS JOIN webhook_deliveries d INDEXED BY webhook_deliveries_endpoint_due_idx
          WHERE e.enabled = 1 AND d.endpoint_id = e.id AND d.tenant_id = e.tenant_id AND ${condition}`;
  const due = (status: "pending" | "failed") =>
    perEndpoint(`d.status = '${status}'
            AND d.next_attempt_at <= min(?, coalesce((SELECT y.next_attempt_at FROM webhook_deliveries y
              WHERE y.endpoint_id = e.id AND y.status = '${status}'
              ORDER BY y.next_attempt_at LIMIT 1 OFFSET ?), ?))`);
  const dueArgs = [input.now, input.share - 1, input.now];
  return {
    sql: `UPDATE webhook_deliveries
      SET status = 'delivering', lease_owner = ?, lease_until = ?, attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM (
          SELECT d.id, d.endpoint_id, d.next_attempt_at,
            ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.id) AS rank
          FROM (${due("pending")}
            UNION ALL ${due("failed")}
            -- A drainer that stopped: its lease ran out (an endpoint has few leased rows).
            UNION ALL ${perEndpoint("d.status = 'delivering' AND d.lease_until < ?")}) d
        ) ranked
        -- An endpoint's share: minus other drainers' live leases and this drainer's rows (sending or queued).
        WHERE ranked.rank <= ? - (SELECT count(*) FROM webhook_deliveries x
          WHERE x.endpoint_id = ranked.endpoint_id AND x.status = 'delivering' AND x.lease_until >= ?
            AND x.lease_owner != ?)
          - coalesce((SELECT value FROM json_each(?) WHERE key = ranked.endpoint_id), 0)
        ORDER BY ranked.next_attempt_at
        LIMIT ?
      )
      RETURNING id, endpoint_id, tenant_id, event_type, attempts,
        -- An empty payload is its event's body (migration 0019).
        CASE WHEN payload = ? THEN (SELECT ${eventBodySql("ev")} FROM events ev WHERE ev.seq = event_seq)
          ELSE payload END AS payload,
        (SELECT link_key FROM tenants WHERE id = tenant_id) AS link_key,
        (SELECT url FROM webhook_endpoints WHERE id = endpoint_id) AS url,
        (SELECT secret FROM webhook_endpoints WHERE id = endpoint_id) AS secret,
        (SELECT previous_secret FROM webhook_endpoints WHERE id = endpoint_id) AS previous_secret,
        (SELECT previous_secret_expires_at FROM webhook_endpoints WHERE id = endpoint_id)
          AS previous_secret_expires_at`,
    args: [
      input.owner,
      input.lease,
      ...dueArgs,
      ...dueArgs,
      input.now,
      input.share,
      input.now,
      input.owner,
      JSON.stringify(Object.fromEntries(input.held)),
      input.limit,
      BODY_OF_EVENT,
    ],
  };
}

/** Send and record one claimed row; a failure to record leaves it leased (it comes back when the lease ends). */
async function deliverOne(
  deps: DrainDeps,
  row: ClaimedRow,
  timeoutMs: number,
  clock: () => number,
  /** Called when the POST has its answer (before the record commits): the endpoint's share is free again. */
  sent: () => void,
): Promise<Outcome | null> {
  let released = false;
  const release = () => {
    if (!released) sent();
    released = true;
  };
  try {
    const now = clock();
    const body = await bodyToSend(row, deps.signedUrlTtlSeconds ?? 3600, now);
    const headers = await webhookHeaders({
      secrets: signingSecrets(row, now),
      id: row.id,
      body,
      now,
    });
    const result = await deps.transport({ url: row.url, headers, body, timeoutMs }).finally(release);
    return await recordResult(deps, row, result, clock(), headers["webhook-signature"] ?? null);
  } catch (error) {
    release();
    deps.logger.error("webhook delivery not recorded", { delivery: row.id, error: String(error) });
    return null;
  }
}

/**
 * The body as sent: a message's `raw_url` and attachment URLs are signed now,
 * for `ttlSeconds` from this attempt (stored unsigned, so a retry hours later
 * still carries links that open).
 */
async function bodyToSend(row: ClaimedRow, ttlSeconds: number, now: number): Promise<string> {
  if (row.event_type !== MESSAGE_RECEIVED || !row.linkKey) return row.payload;
  return signBodyLinks(row.payload, row.linkKey, ttlSeconds, now);
}

/** The current secret, and the one a rotation replaced while its grace period lasts. */
function signingSecrets(row: ClaimedRow, now: number): string[] {
  const { secret, previousSecret, previousSecretExpiresAt } = row;
  return previousSecret !== null && (previousSecretExpiresAt ?? 0) > now
    ? [secret, previousSecret]
    : [secret];
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
  signature: string | null,
): Promise<Outcome> {
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

  // Both statements hold only while the row is still ours for this attempt: if
  // our lease ran out and another drainer took the row, its result stands and
  // ours leaves no trace.
  const stillOurs = "id = ? AND lease_owner = ? AND attempts = ? AND status = 'delivering'";
  const ours = [row.id, deps.owner, row.attempts];
  const statements: SqlStatement[] = [
    {
      sql: `INSERT INTO webhook_attempts
          (id, delivery_id, tenant_id, endpoint_id, attempt, url, status, error, response_ms, response_body,
            signature, created_at)
        SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
        WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE ${stillOurs})`,
      args: [
        newId("attempt"),
        row.id,
        row.tenant_id,
        row.endpoint_id,
        row.attempts,
        row.url,
        status,
        error,
        result.durationMs,
        responseBody,
        signature,
        now,
        ...ours,
      ],
    },
    {
      sql: `UPDATE webhook_deliveries
        SET status = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, last_status = ?,
          last_error = ?, last_response_ms = ?, last_response_body = ?, delivered_at = ?
        WHERE ${stillOurs}`,
      args: [
        outcome,
        nextAttemptAt,
        status,
        gone ? "receiver answered 410 Gone; endpoint disabled" : error,
        result.durationMs,
        responseBody,
        ok ? now : null,
        ...ours,
      ],
    },
  ];
  if (gone) {
    const reason = "receiver answered 410 Gone";
    statements.push(
      endpointDisabledEventInsert({ tenantId: row.tenant_id, endpointId: row.endpoint_id, reason, now }),
      {
        sql: `UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, updated_at = ?
        WHERE id = ? AND tenant_id = ?`,
        args: [reason, now, row.endpoint_id, row.tenant_id],
      },
    );
  }
  const results = await commit(deps.store, statements);
  if ((results[1]?.rowsAffected ?? 0) === 0) {
    deps.logger.warn("webhook result not recorded: the lease had passed to another drainer", {
      delivery: row.id,
      attempt: row.attempts,
    });
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
