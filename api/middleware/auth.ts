import { createMiddleware } from "hono/factory";
import type { ApiKeyAuthenticator } from "../../core/tenancy/api-keys";
import type { AppEnv } from "../context";
import { problems } from "../problem";
import type { AuthFailureGuard } from "./auth-failures";

/**
 * `Authorization: Bearer <api key>` → the key's tenant. Unknown, revoked and malformed keys: 401,
 * counted against the client's failed attempts (`guard`); past its limit, 429 before the key is looked at.
 */
export function apiKeyAuth(keys: ApiKeyAuthenticator, guard?: AuthFailureGuard | undefined) {
  return createMiddleware<AppEnv>(async (c, next) => {
    // Already authenticated by a signed link (api/middleware/signed-link.ts).
    if (c.get("tenantId")) return next();
    guard?.check(c);
    const header = c.req.header("authorization");
    if (!header) throw problems.unauthorized("send the API key as: Authorization: Bearer <key>");
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      guard?.fail(c);
      throw problems.unauthorized("the Authorization header must be: Bearer <key>");
    }
    const principal = await keys.authenticate(match[1]);
    if (!principal) {
      guard?.fail(c);
      throw problems.unauthorized("the API key is not valid or has been revoked");
    }
    c.set("tenantId", principal.tenantId);
    c.set("apiKeyId", principal.apiKeyId);
    await next();
  });
}
