import type { Context } from "hono";
import { createRateLimiter } from "../../core/rate-limit";
import { clientAddress, clientKey } from "../client-address";
import { ApiError } from "../problem";

/**
 * Failed authentication per client address (OMNIMAIL_AUTH_FAILURES_PER_MINUTE):
 * a token bucket of failures, shared by API keys and the admin token. Wrong
 * credentials spend a token; with none left, every request from that address to
 * an authenticated route is `429` with `Retry-After`, before its credential is
 * looked at, so a guesser learns nothing more until the bucket refills. A
 * request without credentials spends nothing (it guesses nothing). IPv6
 * clients count per /64 (client-address.ts). Kept in this process's memory,
 * like the request rate limits.
 */
export interface AuthFailureGuard {
  /** Throws the 429 when this client has no failures left. */
  check(c: Context): void;
  /** Counts one wrong credential from this client. */
  fail(c: Context): void;
}

export const AUTH_FAILURES_SETTING = "OMNIMAIL_AUTH_FAILURES_PER_MINUTE";

export function createAuthFailureGuard(options: { perMinute: number; proxyHops: number }): AuthFailureGuard {
  const failures = createRateLimiter({ perMinute: options.perMinute });
  const keyOf = (c: Context) => clientKey(clientAddress(c, options.proxyHops));
  return {
    check(c) {
      const decision = failures.peek(keyOf(c));
      if (decision.allowed) return;
      throw new ApiError({
        status: 429,
        slug: "too-many-failed-authentications",
        title: "Too Many Requests",
        detail:
          `too many failed authentication attempts from this address (at most ${decision.limit} a minute, ` +
          `${AUTH_FAILURES_SETTING}); retry in ${decision.retryAfterSeconds} s`,
        headers: { "Retry-After": String(decision.retryAfterSeconds) },
      });
    },
    fail(c) {
      failures.take(keyOf(c));
    },
  };
}
