import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { Config } from "../core/config";
import type { Logger } from "../core/logger";
import type { CompanionWrites, StoredMessage } from "../core/messages/store";
import { resolveRecipient } from "../core/tenancy/recipients";
import type { Database } from "../db/client";
import { createIngest } from "./ingest";
import { createRecipientCache } from "./recipient-cache";
import { createSmtpServer, type SmtpEdge } from "./server";

/** Wires the SMTP edge from config and a database, and starts listening. */
export async function startSmtpEdge(input: {
  config: Config;
  database: Database;
  logger: Logger;
  companions?: CompanionWrites[];
  onStored?: (stored: StoredMessage[]) => void;
}): Promise<{ edge: SmtpEdge; port: number }> {
  const { config, database, logger } = input;
  const serverName = config.smtp.hostname ?? hostname();
  const tls =
    config.smtp.tlsCertPath && config.smtp.tlsKeyPath
      ? {
          cert: readFileSync(config.smtp.tlsCertPath, "utf8"),
          key: readFileSync(config.smtp.tlsKeyPath, "utf8"),
        }
      : undefined;
  const edge = createSmtpServer({
    serverName,
    maxMessageBytes: config.smtp.maxMessageBytes,
    resolveRecipient: createRecipientCache((address) => resolveRecipient(database.db, address), {
      ttlMs: 5000,
      maxEntries: 10_000,
    }),
    ingest: createIngest({
      database,
      serverName,
      // A little over the busy timeout, so a locked database answers 451, not a hang.
      storageTimeoutMs: config.databaseBusyTimeoutMs + 5000,
      companions: input.companions,
      onStored: input.onStored,
    }),
    logger,
    tls,
  });
  const port = await edge.listen(config.smtp.port, config.smtp.host);
  logger.info("smtp listening", { port, host: config.smtp.host, tls: Boolean(tls), name: serverName });
  return { edge, port };
}
