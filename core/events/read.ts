import type { Db } from "../../db/client";
import { NotFoundError } from "../errors";
import type { MessageNotifier } from "../messages/notifier";
import { createWakeup } from "../wakeup";
import { formatEventId } from "./log";

/**
 * Reading the event log: a tenant's events after a cursor, oldest first, in
 * commit order. One round trip per page (the retention check and the page are
 * one read batch). A page stops at PAGE_BYTES of event data (at least one
 * event), so a page of large `message.received` events stays bounded.
 */
export const PAGE_BYTES = 2 * 1024 * 1024;

/** Without a notifier (a Worker, or the SMTP edge in another process): how often a wait re-reads. */
const RECHECK_WITHOUT_NOTIFIER_MS = 2000;
/** With one, a re-read still catches events written by another process. */
const RECHECK_WITH_NOTIFIER_MS = 5000;

export interface EventFilter {
  tenantId: string;
  /** Events after this seq; absent: from the oldest one retention kept. */
  afterSeq?: number | undefined;
  types?: readonly string[] | undefined;
  mailboxId?: string | undefined;
  limit: number;
}

export interface LoggedEvent {
  seq: number;
  id: string;
  type: string;
  createdAt: number;
  /** The data JSON as stored. */
  data: string;
}

/** The cursor is older than the log's retention: events after it may have been deleted. */
export class EventCursorExpiredError extends Error {
  constructor(readonly purgedThrough: number) {
    super(`events up to ${formatEventId(purgedThrough)} were deleted by retention`);
  }
}

export interface EventPage {
  events: LoggedEvent[];
  /** The tenant's link key, read in the same batch: a message's URLs in `data` are signed with it. */
  linkKey: string | null;
}

export async function listEvents(db: Db, filter: EventFilter): Promise<EventPage> {
  const conditions = ["tenant_id = ?", "seq > ?"];
  const args: Array<string | number> = [filter.tenantId, filter.afterSeq ?? 0];
  if (filter.types && filter.types.length > 0) {
    conditions.push("type IN (SELECT value FROM json_each(?))");
    args.push(JSON.stringify(filter.types));
  }
  if (filter.mailboxId) {
    conditions.push("mailbox_id = ?");
    args.push(filter.mailboxId);
  }
  const [purges, page, mailbox, tenant] = await db.$client.batch(
    [
      { sql: "SELECT purged_through FROM event_purges WHERE tenant_id = ?", args: [filter.tenantId] },
      {
        sql: `SELECT seq, type, data, created_at FROM events WHERE ${conditions.join(" AND ")}
          ORDER BY seq LIMIT ?`,
        args: [...args, filter.limit],
      },
      // Another tenant's mailbox is not found, as everywhere.
      {
        sql: "SELECT 1 AS found FROM mailboxes WHERE tenant_id = ? AND id = ?",
        args: [filter.tenantId, filter.mailboxId ?? ""],
      },
      { sql: "SELECT link_key FROM tenants WHERE id = ?", args: [filter.tenantId] },
    ],
    "read",
  );
  if (filter.mailboxId && (mailbox?.rows.length ?? 0) === 0) {
    throw new NotFoundError(`no mailbox ${filter.mailboxId}`);
  }
  const purgedThrough = Number(purges?.rows[0]?.purged_through ?? 0);
  if (filter.afterSeq !== undefined && filter.afterSeq < purgedThrough) {
    throw new EventCursorExpiredError(purgedThrough);
  }
  const events: LoggedEvent[] = [];
  let bytes = 0;
  for (const row of page?.rows ?? []) {
    const data = String(row.data);
    if (events.length > 0 && bytes + data.length > PAGE_BYTES) break;
    bytes += data.length;
    const seq = Number(row.seq);
    events.push({
      seq,
      id: formatEventId(seq),
      type: String(row.type),
      createdAt: Number(row.created_at),
      data,
    });
  }
  const linkKey = tenant?.rows[0]?.link_key;
  return { events, linkKey: typeof linkKey === "string" ? linkKey : null };
}

export interface WaitForEventsInput extends EventFilter {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  notifier?: MessageNotifier | undefined;
}

/**
 * Long poll over the log: the events after the cursor as soon as there is
 * one, or [] when the time is up. Subscribes before the first read, so a
 * commit between the read and the wait is never missed.
 */
export async function waitForEvents(db: Db, input: WaitForEventsInput): Promise<EventPage> {
  const deadline = Date.now() + input.timeoutMs;
  const wakeup = createWakeup(input.signal);
  const unsubscribe = input.notifier?.subscribeTenant(input.tenantId, wakeup.wake);
  const recheckMs = input.notifier ? RECHECK_WITH_NOTIFIER_MS : RECHECK_WITHOUT_NOTIFIER_MS;
  try {
    for (;;) {
      const page = await listEvents(db, input);
      if (page.events.length > 0) return page;
      const left = deadline - Date.now();
      if (left <= 0 || input.signal?.aborted) return page;
      await wakeup.sleep(Math.min(left, recheckMs));
    }
  } finally {
    unsubscribe?.();
    wakeup.dispose();
  }
}

/** The newest event's seq of a tenant (0 when it has none): where a stream without a cursor starts. */
export async function latestEventSeq(db: Db, tenantId: string): Promise<number> {
  const result = await db.$client.execute({
    sql: "SELECT max(seq) AS seq FROM events WHERE tenant_id = ?",
    args: [tenantId],
  });
  return Number(result.rows[0]?.seq ?? 0);
}
