import { createMiddleware } from "hono/factory";
import { randomBase62 } from "../../core/crypto";
import type { AppEnv } from "../context";

/** Gives every request an id (or keeps a sane incoming X-Request-Id) for logs and problem bodies. */
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const id = incoming && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : `req_${randomBase62(16)}`;
  c.set("requestId", id);
  c.header("X-Request-Id", id);
  await next();
});
