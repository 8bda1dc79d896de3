import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context";

/** Serves the app with Bun.serve. Returns the bound port and a stop function. */
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

// `npm run api`: the API alone, against a shared DATABASE_URL, with its own webhook
// drain (for test events, replays and retries; leases keep drainers from double-sending).
if (import.meta.main) {
  const { createApp } = await import("./app");
  const { appSettingsFrom } = await import("./context");
  const boot = await import("../runtime/boot");
  const { startWebhookDrain } = await import("../runtime/webhook-drain");
  const { resolveHost } = await import("../runtime/webhook-transport");
  const config = boot.loadConfigOrExit();
  const logger = boot.createRootLogger(config, "api");
  const database = await boot.openDatabase(config, logger);
  await boot.announceFirstStart(database, config);
  const drain = startWebhookDrain({ config, database, logger });
  const api = serveApp(
    createApp({
      database,
      logger,
      // No messageEvents: the SMTP edge runs in another process, so long polls re-check every 2 s.
      ...appSettingsFrom(config),
      webhooks: { guard: { allowPrivate: config.allowPrivateWebhooks, resolveHost }, nudge: drain.nudge },
    }),
    { port: config.http.port },
  );
  logger.info("api listening", { port: api.port, url: config.http.publicUrl });
  boot.onShutdownSignal(async () => {
    await api.stop();
    await drain.stop();
    database.close();
  });
}
