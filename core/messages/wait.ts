import type { Db } from "../../db/client";
import { createWakeup } from "../wakeup";
import type { MessageNotifier } from "./notifier";
import { findLatestMessageId, listMessages, type MessageFilters, type MessageSummaryRow } from "./read";

/**
 * With a notifier, the wait wakes on the commit itself; the re-check only
 * catches mail stored by another process (`npm run smtp` beside `npm run api`).
 */
const RECHECK_WITH_NOTIFIER_MS = 5000;
/** Without one (a Worker, where SMTP never runs in the same isolate): the documented fallback. */
const RECHECK_WITHOUT_NOTIFIER_MS = 2000;

export interface WaitInput {
  tenantId: string;
  mailboxId: string;
  /** Return messages newer than this id; when absent, newer than the mailbox's newest at the start. */
  after?: string | undefined;
  limit: number;
  timeoutMs: number;
  /** Aborted when the client goes away: stop waiting at once. */
  signal?: AbortSignal | undefined;
  notifier?: MessageNotifier | undefined;
  /** Only messages that match (the list's q, from, subject, kind). */
  filters?: MessageFilters | undefined;
}

/**
 * Long poll: resolves with the messages stored after `after` (oldest first,
 * at most `limit`) as soon as there is one, or with [] when the time is up.
 * Subscribes before the first query, so a commit between the query and the
 * wait is never missed. Throws NotFoundError for another tenant's mailbox.
 */
export async function waitForNewMessages(db: Db, input: WaitInput): Promise<MessageSummaryRow[]> {
  const deadline = Date.now() + input.timeoutMs;
  const wakeup = createWakeup(input.signal);
  const unsubscribe = input.notifier?.subscribeMailbox(input.tenantId, input.mailboxId, wakeup.wake);
  const recheckMs = input.notifier ? RECHECK_WITH_NOTIFIER_MS : RECHECK_WITHOUT_NOTIFIER_MS;
  try {
    const after =
      input.after ?? (await findLatestMessageId(db, input.tenantId, input.mailboxId)) ?? undefined;
    for (;;) {
      const rows = await listMessages(
        db,
        input.tenantId,
        input.mailboxId,
        { limit: input.limit, after, oldestFirst: true },
        input.filters,
      );
      if (rows.length > 0) return rows;
      const left = deadline - Date.now();
      if (left <= 0 || input.signal?.aborted) return [];
      await wakeup.sleep(Math.min(left, recheckMs));
    }
  } finally {
    unsubscribe?.();
    wakeup.dispose();
  }
}

/**
 * Open long polls, counted per API key and per tenant in this process, so one
 * party's waiting requests (each holds a socket and a descriptor for up to a
 * minute) cannot crowd out everyone else's. 0 turns that count off.
 */
export interface WaitSlots {
  /** A slot for one long poll that ends by `deadline` (epoch ms), or which limit refused it. */
  acquire(tenantId: string, apiKeyId: string, deadline: number): WaitSlot | WaitRefusal;
  /** Long polls open now, for one key or tenant (tests, metrics). */
  open(scope: "key" | "tenant", id: string): number;
}

export interface WaitSlot {
  ok: true;
  /** Frees the slot; calling it twice frees it once. */
  release(): void;
}

export interface WaitRefusal {
  ok: false;
  scope: "key" | "tenant";
  limit: number;
  /** Seconds until the soonest of that scope's open polls times out (it may answer sooner). */
  retryAfterSeconds: number;
}

export function createWaitSlots(options: {
  perKey: number;
  perTenant: number;
  now?: () => number;
}): WaitSlots {
  const now = options.now ?? Date.now;
  const byKey = new Map<string, Set<{ deadline: number }>>();
  const byTenant = new Map<string, Set<{ deadline: number }>>();

  const refusal = (scope: "key" | "tenant", limit: number, open: Set<{ deadline: number }>): WaitRefusal => {
    let soonest = Number.POSITIVE_INFINITY;
    for (const entry of open) soonest = Math.min(soonest, entry.deadline);
    const seconds = Number.isFinite(soonest) ? Math.ceil((soonest - now()) / 1000) : 1;
    return { ok: false, scope, limit, retryAfterSeconds: Math.max(1, seconds) };
  };
  const add = (map: Map<string, Set<{ deadline: number }>>, id: string, entry: { deadline: number }) => {
    const set = map.get(id) ?? new Set();
    set.add(entry);
    map.set(id, set);
  };
  const remove = (map: Map<string, Set<{ deadline: number }>>, id: string, entry: { deadline: number }) => {
    const set = map.get(id);
    set?.delete(entry);
    if (set?.size === 0) map.delete(id);
  };

  return {
    acquire(tenantId, apiKeyId, deadline) {
      const keyOpen = byKey.get(apiKeyId);
      if (options.perKey > 0 && keyOpen && keyOpen.size >= options.perKey) {
        return refusal("key", options.perKey, keyOpen);
      }
      const tenantOpen = byTenant.get(tenantId);
      if (options.perTenant > 0 && tenantOpen && tenantOpen.size >= options.perTenant) {
        return refusal("tenant", options.perTenant, tenantOpen);
      }
      const entry = { deadline };
      add(byKey, apiKeyId, entry);
      add(byTenant, tenantId, entry);
      let released = false;
      return {
        ok: true,
        release() {
          if (released) return;
          released = true;
          remove(byKey, apiKeyId, entry);
          remove(byTenant, tenantId, entry);
        },
      };
    },
    open(scope, id) {
      return (scope === "key" ? byKey : byTenant).get(id)?.size ?? 0;
    },
  };
}
