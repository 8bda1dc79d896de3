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
