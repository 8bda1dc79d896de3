/**
 * In-process "a message was stored" events, keyed by mailbox. The SMTP ingest
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
  /** Call after the commit, with what was stored. Never throws. */
  publishStored(stored: readonly StoredRef[]): void;
  /** Calls `listener` for each later commit to that mailbox; returns the unsubscribe function. */
  subscribeMailbox(tenantId: string, mailboxId: string, listener: () => void): () => void;
}

export function createMessageNotifier(): MessageNotifier {
  const listeners = new Map<string, Set<() => void>>();
  const keyOf = (tenantId: string, mailboxId: string) => `${tenantId}/${mailboxId}`;

  return {
    publishStored(stored) {
      const keys = new Set(stored.map((message) => keyOf(message.tenantId, message.mailboxId)));
      for (const key of keys) {
        for (const listener of listeners.get(key) ?? []) {
          try {
            listener();
          } catch {
            // A listener only wakes a waiting request; its failure must not reach the SMTP reply.
          }
        }
      }
    },
    subscribeMailbox(tenantId, mailboxId, listener) {
      const key = keyOf(tenantId, mailboxId);
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
    },
  };
}
