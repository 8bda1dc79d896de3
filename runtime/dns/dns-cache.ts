/**
 * A bounded cache of DNS answers for the sender checks. Positive answers live
 * for their TTL, negative ones (NXDOMAIN, NODATA) for the SOA's negative TTL
 * (RFC 2308 §5: the smaller of the SOA record's TTL and its MINIMUM), both
 * capped; the least recently used entry goes first when it is full. Answers
 * are immutable values, so one entry can be handed to every caller.
 */
export type CachedAnswer =
  | { kind: "records"; records: unknown[] }
  | { kind: "error"; code: "ENOTFOUND" | "ENODATA" };

export interface DnsCache {
  get(key: string): CachedAnswer | undefined;
  set(key: string, answer: CachedAnswer, ttlSeconds: number): void;
  readonly size: number;
}

export function createDnsCache(
  options: {
    maxEntries?: number;
    /** Upper bound for any TTL (a day: a record changed upstream is seen within it). */
    maxTtlSeconds?: number;
    now?: () => number;
  } = {},
): DnsCache {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxTtlMs = (options.maxTtlSeconds ?? 86_400) * 1000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { answer: CachedAnswer; until: number }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.until <= now()) {
        entries.delete(key);
        return undefined;
      }
      // Map order is insertion order: re-insert to mark it most recently used.
      entries.delete(key);
      entries.set(key, entry);
      return entry.answer;
    },
    set(key, answer, ttlSeconds) {
      if (!(ttlSeconds > 0)) return;
      entries.delete(key);
      while (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
      entries.set(key, { answer, until: now() + Math.min(ttlSeconds * 1000, maxTtlMs) });
    },
    get size() {
      return entries.size;
    },
  };
}
