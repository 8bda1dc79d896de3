import { createMiddleware } from "hono/factory";
import { createRateLimiter } from "../../core/rate-limit";
import type { AppEnv } from "../context";
import { problems } from "../problem";

/**
 * Per API key, after authentication (so the bucket is the key's, whoever holds
 * it). Every answer carries `RateLimit-Limit`, `RateLimit-Remaining` and
 * `RateLimit-Reset` (seconds until the bucket is full again), as in the IETF
 * httpapi RateLimit header draft; a refusal is 429 problem+json with `Retry-After`.
 */
export function rateLimitByApiKey(options: { perMinute: number }) {
  const limiter = createRateLimiter({ perMinute: options.perMinute });
  return createMiddleware<AppEnv>(async (c, next) => {
    const decision = limiter.take(c.get("apiKeyId"));
    const headers = {
      "RateLimit-Limit": String(decision.limit),
      "RateLimit-Remaining": String(decision.remaining),
      "RateLimit-Reset": String(decision.resetSeconds),
      "RateLimit-Policy": `${decision.limit};w=60`,
    };
    if (!decision.allowed) throw problems.rateLimited(decision.retryAfterSeconds, headers);
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    await next();
  });
}
