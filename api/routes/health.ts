import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../context";

const Health = z.object({ status: z.string() }).openapi("Health");

const healthz = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["Operations"],
  summary: "Liveness: the process answers",
  responses: { 200: { description: "Alive", content: { "application/json": { schema: Health } } } },
});

const readyz = createRoute({
  method: "get",
  path: "/readyz",
  tags: ["Operations"],
  summary: "Readiness: the database answers",
  responses: {
    200: { description: "Ready", content: { "application/json": { schema: Health } } },
    503: { description: "Database unreachable", content: { "application/json": { schema: Health } } },
  },
});

export function registerHealthRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(healthz, (c) => c.json({ status: "ok" }, 200));
  app.openapi(readyz, async (c) => {
    try {
      await deps.database.client.execute("SELECT 1");
      return c.json({ status: "ready" }, 200);
    } catch (error) {
      deps.logger.warn("readiness check failed", { error: String(error) });
      return c.json({ status: "database unreachable" }, 503);
    }
  });
}
