import { type Config, ConfigError, parseConfig } from "../core/config";
import type { Logger } from "../core/logger";
import { bootstrapDefaultTenant } from "../core/tenancy/tenants";
import { createDatabase, type Database } from "../db/client";
import { ensureDatabaseFolder, migrateDatabase } from "../db/migrate";
import type { Store } from "../db/store";
import { createPinoLogger } from "./logger";

/**
 * Start-up shared by the Bun entries (main/): read the
 * environment once, open and migrate the database, create the default tenant on
 * first start. Bun-only; Workers have their own entry.
 */

export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) console.error(`omnimail: configuration error: ${problem}`);
      process.exit(1);
    }
    throw error;
  }
}

export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  ensureDatabaseFolder(config.databaseUrl);
  const database = await createDatabase({
    url: config.databaseUrl,
    authToken: config.databaseAuthToken,
    busyTimeoutMs: config.databaseBusyTimeoutMs,
  });
  await migrateDatabase(database);
  logger.info("database ready", { url: config.databaseUrl.replace(/\?.*$/, "") });
  return database;
}

/**
 * On an empty database: the default tenant, its domain and catch-all; the API key printed once.
 * `listening.smtpPort` is the port the SMTP edge bound (SMTP_PORT=0 picks one).
 */
export async function announceFirstStart(
  store: Store,
  config: Config,
  listening: { smtpPort: number },
): Promise<void> {
  const created = await bootstrapDefaultTenant(store, {
    defaultDomain: config.defaultDomain,
    bootstrapApiKey: config.bootstrapApiKey,
  });
  if (!created) return;
  const lines = [
    "",
    `OmniMail first start: created tenant "default" owning ${created.domain}, with a catch-all mailbox.`,
    created.generatedKey
      ? `API key (shown once, keep it): ${created.generatedKey}`
      : "API key: the one in OMNIMAIL_BOOTSTRAP_API_KEY",
    `Send mail to anything@${created.domain} on port ${listening.smtpPort}, then read it in the web inbox at ${config.http.publicUrl}/ (sign in with the key).`,
    // The CLI works on the database itself, so a lost key is never a dead end.
    "Lost the key? `npm run omnimail -- keys create` makes a new one (no server needed).",
    "",
  ];
  console.log(lines.join("\n"));
}

export function createRootLogger(config: Config, component: string): Logger {
  return createPinoLogger(config.logLevel, component);
}

/** Runs `shutdown` once on SIGTERM/SIGINT; a second signal exits at once. */
export function onShutdownSignal(shutdown: (signal: string) => Promise<void>): void {
  let stopping = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(130);
      stopping = true;
      shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`omnimail: shutdown failed: ${String(error)}`);
          process.exit(1);
        },
      );
    });
  }
}
