import { createApp } from "../api/app";
import { serveApp } from "../api/bun";
import { appSettingsFrom } from "../api/context";
import { createMessageNotifier } from "../core/messages/notifier";
import { createMetrics } from "../core/metrics";
import {
  announceFirstStart,
  createRootLogger,
  loadConfigOrExit,
  onShutdownSignal,
  openDatabase,
} from "../runtime/boot";
import { resolveHost } from "../runtime/webhook-transport";
import { startSmtpEdge } from "./start";

/**
 * `npm start` (all in one: SMTP, API and the webhook drain in one Bun process)
 * or `npm run smtp` (`--smtp-only`: the SMTP edge and its drain, sharing DATABASE_URL).
 */
const smtpOnly = process.argv.includes("--smtp-only");
const config = loadConfigOrExit();
const logger = createRootLogger(config, smtpOnly ? "smtp-edge" : "omnimail");
const database = await openDatabase(config, logger);
await announceFirstStart(database, config);

const messageEvents = createMessageNotifier();
const metrics = createMetrics();
const smtp = await startSmtpEdge({
  config,
  database,
  logger,
  metrics,
  // Long polls wake on the commit.
  onStored: (stored) => messageEvents.publishStored(stored),
});
const api = smtpOnly
  ? null
  : serveApp(
      createApp({
        database,
        logger,
        ...appSettingsFrom(config),
        messageEvents,
        metrics,
        webhooks: {
          guard: { allowPrivate: config.allowPrivateWebhooks, resolveHost },
          nudge: smtp.drain.nudge,
        },
      }),
      { port: config.http.port },
    );
if (api) logger.info("api listening", { port: api.port, url: config.http.publicUrl });

// A renewed certificate is picked up without a restart: `kill -HUP <pid>`.
process.on("SIGHUP", () => smtp.reloadTls());

onShutdownSignal(async (signal) => {
  logger.info("shutting down", { signal });
  await smtp.close();
  await api?.stop();
  database.close();
  logger.info("stopped");
});
