import { createMiddleware } from "hono/factory";
import { sha256Hex, timingSafeEqual } from "../../core/crypto";
import type { AppDeps, AppEnv } from "../context";
import { problems } from "../problem";

/**
 * `/admin/*`: `Authorization: Bearer <OMNIMAIL_ADMIN_TOKEN>`. With no token
 * configured the admin routes do not exist (404, as an unknown path), so an
 * install that never set one exposes nothing. The comparison is of SHA-256
 * digests in constant time: neither the token's length nor a common prefix
 * shows in the response time.
 */
export function adminAuth(deps: Pick<AppDeps, "adminToken">) {
  const expected = deps.adminToken ? sha256Hex(deps.adminToken) : null;
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!expected) throw problems.notFound(`no route for ${c.req.method} ${c.req.path}`);
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    const presented = await sha256Hex(match?.[1] ?? "");
    if (!match || !timingSafeEqual(presented, await expected)) {
      throw problems.unauthorized("send the admin token as: Authorization: Bearer <OMNIMAIL_ADMIN_TOKEN>");
    }
    await next();
  });
}
