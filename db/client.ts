import { type Client, createClient, type Config as LibsqlConfig, LibsqlError } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import * as schema from "./schema";

/**
 * The one database factory every part uses. `@libsql/client` resolves to its
 * native build on Bun and to its web (HTTP) build on Workers, so this file runs
 * on both. `file:` URLs are the embedded default; `libsql://` is Turso/sqld.
 */

export type Db = LibSQLDatabase<typeof schema> & { $client: Client };

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
  const config: LibsqlConfig = {
    url: options.url,
    authToken: options.authToken,
    ...(isLocalFile ? { timeout: options.busyTimeoutMs ?? 5000 } : {}),
  };
  const client = isLocalFile ? createBusySafeClient(config) : createClient(config);
  if (isLocalFile) {
    // WAL is a property of the file and persists. synchronous=FULL makes a commit
    // survive a power cut, not only a crash: the 250 reply promises exactly that.
    // FULL is also SQLite's compiled-in default for every new pooled connection,
    // which tests/db/client.test.ts checks.
    // auto_vacuum only takes effect on a database that has no tables yet (a new
    // one): it lets deleted mail's pages go back to the file system
    // (db/reclaim-space.ts). On an existing database it changes nothing.
    await client.execute("PRAGMA auto_vacuum = INCREMENTAL");
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

/**
 * Works around tursodatabase/libsql-client-ts#352 (fix pending in libsql-js
 * PR #237): a local write that fails with SQLITE_BUSY leaves its statement "in
 * progress", and every later COMMIT on that connection then fails with
 * "cannot commit transaction - SQL statements in progress", so storage would
 * never recover from one lock timeout. This client delegates to a real one and,
 * after any SQLITE_BUSY, swaps it for a fresh client (new connections) before
 * the next call. Remove once the fixed libsql release is pinned.
 */
function createBusySafeClient(config: LibsqlConfig): Client {
  let current = createClient(config);
  const replaceAfterBusy = (error: unknown) => {
    if (error instanceof LibsqlError && error.code.startsWith("SQLITE_BUSY")) {
      const poisoned = current;
      current = createClient(config);
      poisoned.close();
    }
    throw error;
  };
  const wrap =
    <A extends unknown[], R>(call: (client: Client, ...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      call(current, ...args).catch(replaceAfterBusy);
  return {
    execute: wrap((client, ...args: Parameters<Client["execute"]>) =>
      (client.execute as (...a: unknown[]) => ReturnType<Client["execute"]>)(...args),
    ),
    batch: wrap((client, ...args: Parameters<Client["batch"]>) => client.batch(...args)),
    migrate: wrap((client, ...args: Parameters<Client["migrate"]>) => client.migrate(...args)),
    transaction: wrap((client, ...args: Parameters<Client["transaction"]>) => client.transaction(...args)),
    executeMultiple: wrap((client, ...args: Parameters<Client["executeMultiple"]>) =>
      client.executeMultiple(...args),
    ),
    sync: wrap((client) => client.sync()),
    reconnect: () => current.reconnect(),
    close: () => current.close(),
    get closed() {
      return current.closed;
    },
    get protocol() {
      return current.protocol;
    },
  } as Client;
}
