/**
 * In-process "a message was stored" events, keyed by mailbox, and "events
 * were written", keyed by tenant. The SMTP ingest
 * publishes after its batch commits; long polls (GET …/messages/wait)
 * subscribe, so they answer within milliseconds of the commit without
 * polling the database. Only the same process sees the events: where the
 * writer is elsewhere (`npm run smtp` and `npm run api` apart, or a Worker),
 * the long poll falls back to a slow re-check (see wait.ts).
 */

export interface StoredRef {
  id: string;
  tenantId: string;
  mailboxId: string;
}

export interface MessageNotifier {
  /** Call after the commit, with what was stored (it wrote their events too). Never throws. */
  publishStored(stored: readonly StoredRef[]): void;
  /** Call after a commit that wrote events of these tenants (a deletion, a read mark). Never throws. */
  publishEvents(tenantIds: readonly string[]): void;
  /** Calls `listener` for each later commit to that mailbox; returns the unsubscribe function. */
  subscribeMailbox(tenantId: string, mailboxId: string, listener: () => void): () => void;
  /** Calls `listener` for each later commit that wrote events of the tenant (event log waits). */
  subscribeTenant(tenantId: string, listener: () => void): () => void;
}

export function createMessageNotifier(): MessageNotifier {
  const listeners = new Map<string, Set<() => void>>();
  const mailboxKey = (tenantId: string, mailboxId: string) => `${tenantId}/${mailboxId}`;
  const tenantKey = (tenantId: string) => tenantId;

  const notify = (keys: Iterable<string>) => {
    for (const key of keys) {
      for (const listener of listeners.get(key) ?? []) {
        try {
          listener();
        } catch {
          // A listener only wakes a waiting request; its failure must not reach the SMTP reply.
        }
      }
    }
  };
  const subscribe = (key: string, listener: () => void) => {
    let set = listeners.get(key);
    if (!set) {
      set = new Set();
      listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      const current = listeners.get(key);
      current?.delete(listener);
      if (current?.size === 0) listeners.delete(key);
    };
  };

  return {
    publishStored(stored) {
      notify(new Set(stored.map((message) => mailboxKey(message.tenantId, message.mailboxId))));
      notify(new Set(stored.map((message) => tenantKey(message.tenantId))));
    },
    publishEvents(tenantIds) {
      notify(new Set(tenantIds.map(tenantKey)));
    },
    subscribeMailbox: (tenantId, mailboxId, listener) => subscribe(mailboxKey(tenantId, mailboxId), listener),
    subscribeTenant: (tenantId, listener) => subscribe(tenantKey(tenantId), listener),
  };
}
