import { createMiddleware } from "hono/factory";
import { sha256Hex, timingSafeEqual } from "../../core/crypto";
import type { AppDeps, AppEnv } from "../context";
import { problems } from "../problem";
import type { AuthFailureGuard } from "./auth-failures";

/**
 * `/admin/*`: `Authorization: Bearer <OMNIMAIL_ADMIN_TOKEN>`. With no token
 * configured the admin routes do not exist (404, as an unknown path), so an
 * install that never set one exposes nothing. The comparison is of SHA-256
 * digests in constant time: neither the token's length nor a common prefix
 * shows in the response time. A wrong token counts against the client's failed
 * attempts (`guard`, shared with API keys); past the limit, 429 before the token is compared.
 */
export function adminAuth(deps: Pick<AppDeps, "adminToken">, guard?: AuthFailureGuard | undefined) {
  const expected = deps.adminToken ? sha256Hex(deps.adminToken) : null;
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!expected) throw problems.notFound(`no route for ${c.req.method} ${c.req.path}`);
    guard?.check(c);
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    const presented = await sha256Hex(match?.[1] ?? "");
    if (!match || !timingSafeEqual(presented, await expected)) {
      // Asking without a token guesses nothing; a wrong one does.
      if (c.req.header("authorization")) guard?.fail(c);
      throw problems.unauthorized("send the admin token as: Authorization: Bearer <OMNIMAIL_ADMIN_TOKEN>");
    }
    await next();
  });
}
