import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context";

/** Serves the app with Bun.serve. Returns the bound port and a stop function. Entries live in main/. */
export function serveApp(app: OpenAPIHono<AppEnv>, options: { port: number; hostname?: string }) {
  const server = Bun.serve({
    port: options.port,
    hostname: options.hostname ?? "0.0.0.0",
    fetch: app.fetch,
    // Long polls (GET …/messages/wait) may hold a request for up to 60 s.
    idleTimeout: 75,
  });
  return {
    port: server.port ?? options.port,
    stop: () => server.stop(true),
  };
}
