import { createApp } from "../api/app";
import { serveApp } from "../api/bun";
import {
  announceFirstStart,
  createRootLogger,
  loadConfigOrExit,
  onShutdownSignal,
  openDatabase,
} from "../runtime/boot";
import { startSmtpEdge } from "./start";

/**
 * `npm start` (all in one: SMTP, API and the webhook drain in one Bun process)
 * or `npm run smtp` (`--smtp-only`: the SMTP edge alone, sharing DATABASE_URL).
 */
const smtpOnly = process.argv.includes("--smtp-only");
const config = loadConfigOrExit();
const logger = createRootLogger(config, smtpOnly ? "smtp-edge" : "omnimail");
const database = await openDatabase(config, logger);
await announceFirstStart(database, config);

const { edge } = await startSmtpEdge({ config, database, logger });
const api = smtpOnly
  ? null
  : serveApp(
      createApp({ database, logger, publicUrl: config.http.publicUrl, adminToken: config.adminToken }),
      {
        port: config.http.port,
      },
    );
if (api) logger.info("api listening", { port: api.port, url: config.http.publicUrl });

onShutdownSignal(async (signal) => {
  logger.info("shutting down", { signal });
  await edge.close();
  await api?.stop();
  database.close();
  logger.info("stopped");
});
