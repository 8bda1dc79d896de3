/**
 * Token buckets in memory, one per key (an API key id, a tenant id, a client
 * address). A bucket holds up to
 * `perMinute` tokens and refills at `perMinute / 60` tokens a second, so a
 * client may burst a whole minute's worth and then goes at the steady rate.
 * Per process: with several API processes each allows the full rate (the
 * README says so); a shared limiter would need a shared store.
 */

export interface RateLimitDecision {
  allowed: boolean;
  /** Bucket size: the most requests a client can make in a burst. */
  limit: number;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** When refused: seconds until one token is back. 0 when allowed. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Spends a token when there is one. */
  take(key: string): RateLimitDecision;
  /** The decision `take` would make, spending nothing: to check several buckets before spending from any. */
  peek(key: string): RateLimitDecision;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Enough for every active key; the least recently used bucket goes first (it would be full anyway). */
const DEFAULT_MAX_KEYS = 100_000;

export function createRateLimiter(options: {
  perMinute: number;
  maxKeys?: number;
  /** The clock, in milliseconds; tests may pass their own. */
  now?: () => number;
}): RateLimiter {
  const capacity = options.perMinute;
  const perMs = capacity / 60_000;
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  const now = options.now ?? Date.now;
  const buckets = new Map<string, Bucket>();

  function decide(key: string, spend: boolean): RateLimitDecision {
    const at = now();
    const bucket = buckets.get(key) ?? { tokens: capacity, updatedAt: at };
    bucket.tokens = Math.min(capacity, bucket.tokens + Math.max(0, at - bucket.updatedAt) * perMs);
    bucket.updatedAt = at;
    const allowed = bucket.tokens >= 1;
    if (allowed && spend) bucket.tokens -= 1;
    // Re-insert so Map order is least recently used first.
    buckets.delete(key);
    buckets.set(key, bucket);
    if (buckets.size > maxKeys) {
      const oldest = buckets.keys().next();
      if (!oldest.done) buckets.delete(oldest.value);
    }
    const left = spend || !allowed ? bucket.tokens : bucket.tokens - 1;
    return {
      allowed,
      limit: capacity,
      remaining: Math.floor(left),
      resetSeconds: Math.ceil((capacity - left) / perMs / 1000),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)),
    };
  }

  return {
    take: (key) => decide(key, true),
    peek: (key) => decide(key, false),
  };
}
