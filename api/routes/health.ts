import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Metrics } from "../../core/metrics";
import { readOutboxBacklog } from "../../core/outbox/backlog";
import type { AppDeps, AppEnv } from "../context";

const Health = z.object({ status: z.string() }).openapi("Health");

const healthz = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["Operations"],
  summary: "Liveness: the process answers",
  security: [],
  responses: { 200: { description: "Alive", content: { "application/json": { schema: Health } } } },
});

const readyz = createRoute({
  method: "get",
  path: "/readyz",
  tags: ["Operations"],
  summary: "Readiness: the database answers and the writer is up",
  security: [],
  responses: {
    200: { description: "Ready", content: { "application/json": { schema: Health } } },
    503: {
      description: "Database unreachable, or the writer restarting",
      content: { "application/json": { schema: Health } },
    },
  },
});

const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["Operations"],
  summary: "Prometheus metrics: messages received and rejected, API requests by route and status, durations",
  security: [],
  responses: {
    200: {
      description: "Prometheus text format 0.0.4",
      content: { "text/plain": { schema: z.string() } },
    },
  },
});

export function registerHealthRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps, metrics: Metrics): void {
  app.openapi(healthz, (c) => c.json({ status: "ok" }, 200));
  app.openapi(readyz, async (c) => {
    const health = await deps.store.health();
    if (health.ok) return c.json({ status: "ready" }, 200);
    deps.logger.warn("readiness check failed", { error: health.detail });
    return c.json({ status: health.detail }, 503);
  });

  app.openapi(metricsRoute, async (c) => {
    // The outbox gauges come from the database; a scrape while it is down still gets the counters.
    const outbox = await readOutboxBacklog(deps.store.db, Date.now()).catch(() => ({}));
    return c.text(metrics.renderPrometheus(outbox), 200, {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });
}
