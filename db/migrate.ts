import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/libsql/migrator";
import type { Database } from "./client";

export const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), "migrations");

/** Applies pending migrations (drizzle's journal in `__drizzle_migrations`). Idempotent. */
export async function migrateDatabase(database: Database): Promise<void> {
  await migrate(database.db, { migrationsFolder: MIGRATIONS_FOLDER });
}

/** For `file:` URLs, creates the folder the database lives in, so a fresh clone just runs. */
export function ensureDatabaseFolder(url: string): void {
  if (!url.startsWith("file:") || url.includes(":memory:")) return;
  const path = url.slice("file:".length).replace(/^\/\/(localhost)?(?=\/)/, "");
  mkdirSync(dirname(resolve(path.split("?")[0] ?? path)), { recursive: true });
}

// `npm run migrate`: apply migrations to DATABASE_URL and exit.
if (import.meta.main) {
  const { parseConfig } = await import("../core/config");
  const { createDatabase } = await import("./client");
  const config = parseConfig(process.env);
  ensureDatabaseFolder(config.databaseUrl);
  const database = await createDatabase({ url: config.databaseUrl, authToken: config.databaseAuthToken });
  await migrateDatabase(database);
  database.close();
  console.log(`migrations applied to ${config.databaseUrl.replace(/\?.*$/, "")}`);
}
