import { createMiddleware } from "hono/factory";
import { createRateLimiter, type RateLimitDecision } from "../../core/rate-limit";
import type { AppEnv } from "../context";
import { problems } from "../problem";

/**
 * Per API key (OMNIMAIL_RATE_LIMIT_PER_MINUTE) and per tenant
 * (OMNIMAIL_TENANT_RATE_LIMIT_PER_MINUTE: one bucket all of a tenant's keys
 * share, so more keys do not buy more requests), after authentication. A
 * request needs a token from both and spends from both only when both have one.
 * Every answer carries `RateLimit-Limit`, `RateLimit-Remaining` and
 * `RateLimit-Reset` (seconds until the bucket is full again) of the bucket with
 * the fewest tokens left, and `RateLimit-Policy` naming both, as in the IETF
 * httpapi RateLimit header draft; a refusal is 429 problem+json with `Retry-After`.
 * 0 for either turns that bucket off.
 */
export function rateLimitByApiKey(options: { perMinute: number; tenantPerMinute?: number | undefined }) {
  const keyLimiter = options.perMinute > 0 ? createRateLimiter({ perMinute: options.perMinute }) : null;
  const tenantPerMinute = options.tenantPerMinute ?? 0;
  const tenantLimiter = tenantPerMinute > 0 ? createRateLimiter({ perMinute: tenantPerMinute }) : null;
  const policy = [
    keyLimiter ? `${options.perMinute};w=60` : null,
    tenantLimiter ? `${tenantPerMinute};w=60;comment="tenant"` : null,
  ]
    .filter((part) => part !== null)
    .join(", ");

  return createMiddleware<AppEnv>(async (c, next) => {
    const keyId = c.get("apiKeyId");
    const tenantId = c.get("tenantId");
    const byKey = keyLimiter?.peek(keyId);
    const byTenant = tenantLimiter?.peek(tenantId);
    if (byKey && !byKey.allowed) {
      throw problems.rateLimited(
        byKey.retryAfterSeconds,
        headersOf(byKey, policy),
        `this API key has used its budget of ${byKey.limit} requests a minute (OMNIMAIL_RATE_LIMIT_PER_MINUTE); retry in ${byKey.retryAfterSeconds} s`,
      );
    }
    if (byTenant && !byTenant.allowed) {
      throw problems.rateLimited(
        byTenant.retryAfterSeconds,
        headersOf(byTenant, policy),
        `this tenant's API keys together have used its budget of ${byTenant.limit} requests a minute (OMNIMAIL_TENANT_RATE_LIMIT_PER_MINUTE); retry in ${byTenant.retryAfterSeconds} s`,
      );
    }
    const spent = [keyLimiter?.take(keyId), tenantLimiter?.take(tenantId)].filter(
      (decision): decision is RateLimitDecision => decision !== undefined,
    );
    // The binding bucket: the one with the fewest tokens left (the key's on a tie).
    const binding = spent.reduce<RateLimitDecision | undefined>(
      (fewest, decision) => (fewest && fewest.remaining <= decision.remaining ? fewest : decision),
      undefined,
    );
    if (binding)
      for (const [name, value] of Object.entries(headersOf(binding, policy))) c.header(name, value);
    await next();
  });
}

function headersOf(decision: RateLimitDecision, policy: string): Record<string, string> {
  return {
    "RateLimit-Limit": String(decision.limit),
    "RateLimit-Remaining": String(decision.remaining),
    "RateLimit-Reset": String(decision.resetSeconds),
    "RateLimit-Policy": policy,
  };
}
