import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import type { Metrics } from "../../core/metrics";
import type { AppEnv } from "../context";

/**
 * Counts every answered request by method, route pattern and status, and
 * times it. The route is the pattern (`/v1/messages/{id}`), never the path
 * itself, so ids do not become series; requests that matched no route are
 * one `unmatched` series.
 */
export function countRequests(metrics: Metrics) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    await next();
    const pattern = routePath(c, -1);
    const route = pattern.includes("*") ? "unmatched" : pattern.replace(/:([^/]+)/g, "{$1}");
    metrics.observeHttpRequest({
      method: c.req.method,
      route,
      status: c.res.status,
      seconds: (performance.now() - started) / 1000,
    });
  });
}
