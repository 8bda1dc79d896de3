import type { OpenAPIHono } from "@hono/zod-openapi";
import { type ListenSettings, toListenError } from "../core/listen-error";
import type { AppEnv } from "./context";

/**
 * Serves the app with Bun.serve. Returns the bound port and a stop function. Entries live in main/.
 * A port in use, a privileged port or a foreign address throws a ListenError naming `settings`
 * (default PORT and HOST).
 */
export function serveApp(
  app: OpenAPIHono<AppEnv>,
  options: { port: number; hostname?: string; settings?: ListenSettings },
) {
  const hostname = options.hostname ?? "0.0.0.0";
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      port: options.port,
      hostname,
      fetch: app.fetch,
      // Long polls (GET …/messages/wait) may hold a request for up to 60 s.
      idleTimeout: 75,
    });
  } catch (error) {
    throw toListenError(error, {
      port: options.port,
      host: hostname,
      settings: options.settings ?? { port: "PORT", host: "HOST" },
    });
  }
  return {
    port: server.port ?? options.port,
    stop: () => server.stop(true),
  };
}
