import type { InValue } from "@libsql/client";
import type { Db } from "../../db/client";
import { REJECTION_STAGES } from "../../db/schema";
import type { SqlStatement } from "../../db/statements";
import { commit, type Store } from "../../db/store";
import { idAt, newId } from "../ids";
import type { Logger } from "../logger";

/**
 * The rejection ledger: every refusal, the tenant's when it is attributable
 * (its domain, mailbox, rule, hook, quota, reply token; the size and storage
 * limits on its recipients' DATA), else the operator's (tenant null:
 * unhosted domains, connection limits, protocol errors). Recording never
 * waits: `record` appends to a buffer that is written in one batch every
 * second. A flood cannot fill the disk: each tenant (and the operator) has at
 * most `perMinute` rows a minute; past that, refusals are counted, and one row
 * per minute says how many were not recorded.
 */
export { REJECTION_STAGES };
export type RejectionStage = (typeof REJECTION_STAGES)[number];

export interface RejectionEntry {
  tenantId: string | null;
  stage: RejectionStage;
  code: number;
  enhancedCode: string;
  /** What refused, as a word: `mailbox_unknown`, `rule_rejected`, `quota_exceeded`, … */
  reason: string;
  /** The reply's text. */
  detail: string;
  mailFrom: string | null;
  rcptTo: string | null;
  clientIp: string | null;
  at?: number | undefined;
  /** On a `ledger_dropped` row: how many refusals of its minute were not recorded. */
  dropped?: number | undefined;
}

export interface RejectionLedger {
  record(entry: RejectionEntry): void;
  /** Writes what is buffered now (tests, shutdown). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

const OPERATOR = "\u0000operator";

export function createRejectionLedger(deps: {
  store: Pick<Store, "write">;
  logger: Logger;
  /** Rows per tenant (and for the operator) per minute; default 600. */
  perMinute?: number;
  flushMs?: number;
  now?: () => number;
}): RejectionLedger {
  const perMinute = deps.perMinute ?? 600;
  const clock = deps.now ?? Date.now;
  let buffer: RejectionEntry[] = [];
  /** Per tenant: the minute counted, rows taken in it, refusals dropped in it. */
  const minutes = new Map<string, { minute: number; taken: number; dropped: number }>();
  let flushing: Promise<void> | null = null;

  /** The row saying how many refusals of one tenant's minute were not recorded. */
  const droppedRow = (key: string, count: { minute: number; dropped: number }): RejectionEntry => ({
    tenantId: key === OPERATOR ? null : key,
    stage: "connect",
    code: 0,
    enhancedCode: "",
    reason: "ledger_dropped",
    detail: `${count.dropped} more refusals in this minute were not recorded (at most ${perMinute} a minute)`,
    mailFrom: null,
    rcptTo: null,
    clientIp: null,
    at: (count.minute + 1) * 60_000 - 1,
    dropped: count.dropped,
  });
  /** Minutes that are over: their drops become rows, and their counts go. */
  const droppedRows = (minuteNow: number): RejectionEntry[] => {
    const rows: RejectionEntry[] = [];
    for (const [key, count] of minutes) {
      if (count.minute === minuteNow) continue;
      if (count.dropped > 0) rows.push(droppedRow(key, count));
      minutes.delete(key);
    }
    return rows;
  };

  const flush = async () => {
    const rows = [...buffer, ...droppedRows(Math.floor(clock() / 60_000))];
    buffer = [];
    if (rows.length === 0) return;
    try {
      // At most 500 rows a statement: 12 arguments each stays far below SQLite's limit on variables.
      const statements: SqlStatement[] = [];
      for (let at = 0; at < rows.length; at += 500)
        statements.push(rejectionsInsert(rows.slice(at, at + 500)));
      await commit(deps.store, statements);
    } catch (error) {
      // The ledger is a record, not a promise to the sender: a failed write is logged and dropped.
      deps.logger.warn("rejections not recorded", { rows: rows.length, error: String(error) });
    }
  };
  const flushSoon = () => {
    flushing ??= flush().finally(() => {
      flushing = null;
    });
    return flushing;
  };
  const timer = setInterval(flushSoon, deps.flushMs ?? 1000);
  (timer as { unref?: () => void }).unref?.();

  return {
    record(entry) {
      const now = entry.at ?? clock();
      const key = entry.tenantId ?? OPERATOR;
      const minute = Math.floor(now / 60_000);
      let count = minutes.get(key);
      if (count && count.minute !== minute) {
        // A new minute: the old one's drops become a row.
        if (count.dropped > 0) buffer.push(droppedRow(key, count));
        count = undefined;
      }
      if (!count) {
        count = { minute, taken: 0, dropped: 0 };
        minutes.set(key, count);
      }
      if (count.taken >= perMinute) {
        count.dropped++;
        return;
      }
      count.taken++;
      buffer.push({ ...entry, at: now });
    },
    flush: () => flushSoon().then(() => flushSoon()),
    async stop() {
      clearInterval(timer);
      await flushSoon();
      await flush();
    },
  };
}

function rejectionsInsert(rows: RejectionEntry[]): SqlStatement {
  const args: InValue[] = [];
  for (const row of rows) {
    const at = row.at ?? Date.now();
    args.push(
      newId("rejection", at),
      row.tenantId,
      at,
      row.stage,
      row.code,
      row.enhancedCode,
      row.reason,
      row.detail.slice(0, 500),
      row.mailFrom?.slice(0, 320) ?? null,
      row.rcptTo?.slice(0, 320) ?? null,
      row.clientIp,
      row.dropped ?? 0,
    );
  }
  return {
    sql: `INSERT INTO rejections (id, tenant_id, at, stage, code, enhanced_code, reason, detail, mail_from, rcpt_to,
        client_ip, dropped) VALUES ${rows.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
    args,
  };
}

/** A stored refusal: the entry as recorded, with its id (the tenant is the reader's). */
export interface RejectionRow extends Omit<RejectionEntry, "tenantId" | "at" | "dropped"> {
  id: string;
  at: number;
  dropped: number;
}

/** A page of a tenant's refusals (null: the operator's), newest first. */
export async function listRejections(
  db: Db,
  tenantId: string | null,
  page: {
    limit: number;
    before?: string | undefined;
    reason?: string | undefined;
    since?: number | undefined;
  },
): Promise<RejectionRow[]> {
  const conditions = [tenantId === null ? "tenant_id IS NULL" : "tenant_id = ?"];
  const args: InValue[] = tenantId === null ? [] : [tenantId];
  if (page.before) {
    conditions.push("id < ?");
    args.push(page.before);
  }
  if (page.reason) {
    conditions.push("reason = ?");
    args.push(page.reason);
  }
  if (page.since !== undefined) {
    conditions.push("id >= ?");
    args.push(idAt("rejection", page.since));
  }
  const result = await db.$client.execute({
    sql: `SELECT * FROM rejections WHERE ${conditions.join(" AND ")} ORDER BY id DESC LIMIT ?`,
    args: [...args, page.limit],
  });
  return result.rows.map((row) => ({
    id: String(row.id),
    at: Number(row.at),
    stage: String(row.stage) as RejectionStage,
    code: Number(row.code),
    enhancedCode: String(row.enhanced_code),
    reason: String(row.reason),
    detail: String(row.detail),
    mailFrom: row.mail_from === null ? null : String(row.mail_from),
    rcptTo: row.rcpt_to === null ? null : String(row.rcpt_to),
    clientIp: row.client_ip === null ? null : String(row.client_ip),
    dropped: Number(row.dropped ?? 0),
  }));
}

/** Deletes ledger rows older than the retention, in batches. */
export async function purgeExpiredRejections(
  store: Pick<Store, "write">,
  options: {
    retentionDays: number;
    now?: number | undefined;
    batchSize?: number;
    maxBatches?: number | undefined;
  },
): Promise<number> {
  const cutoff = idAt("rejection", (options.now ?? Date.now()) - options.retentionDays * 86_400_000);
  const batchSize = options.batchSize ?? 5000;
  let deleted = 0;
  for (let batch = 0; batch < (options.maxBatches ?? 100); batch++) {
    const results = await commit(store, [
      {
        sql: "DELETE FROM rejections WHERE id IN (SELECT id FROM rejections WHERE id < ? ORDER BY id LIMIT ?)",
        args: [cutoff, batchSize],
      },
    ]);
    const rows = results[0]?.rowsAffected ?? 0;
    deleted += rows;
    if (rows < batchSize) break;
  }
  return deleted;
}
