import { type Client, createClient } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import * as schema from "./schema";

/**
 * The one database factory every part uses. `@libsql/client` resolves to its
 * native build on Bun and to its web (HTTP) build on Workers, so this file runs
 * on both. `file:` URLs are the embedded default; `libsql://` is Turso/sqld.
 */

export type Db = LibSQLDatabase<typeof schema>;

export interface Database {
  client: Client;
  db: Db;
  isLocalFile: boolean;
  close(): void;
}

export interface DatabaseOptions {
  url: string;
  authToken?: string | undefined;
  /** Busy timeout for `file:` databases: how long a write waits for another writer's lock. */
  busyTimeoutMs?: number | undefined;
}

export async function createDatabase(options: DatabaseOptions): Promise<Database> {
  const isLocalFile = options.url.startsWith("file:");
  const client = createClient({
    url: options.url,
    authToken: options.authToken,
    ...(isLocalFile ? { timeout: options.busyTimeoutMs ?? 5000 } : {}),
  });
  if (isLocalFile) {
    // WAL is a property of the file and persists. synchronous=FULL makes a commit
    // survive a power cut, not only a crash: the 250 reply promises exactly that.
    // FULL is also SQLite's compiled-in default for every new pooled connection,
    // which tests/db/client.test.ts checks.
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("PRAGMA synchronous = FULL");
  }
  return {
    client,
    db: drizzle(client, { schema }),
    isLocalFile,
    close: () => client.close(),
  };
}
