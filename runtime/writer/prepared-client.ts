import type { Client, InStatement, InValue, ResultSet, Row, Transaction } from "@libsql/client";
import { expandConfig } from "@libsql/core/config";
import Database from "libsql";

/**
 * The writer thread's connection to a `file:` database: the two calls group
 * commit makes (`batch`, `transaction`), as @libsql/client answers them, over
 * one native libsql connection that keeps each SQL text's prepared statement.
 *
 * Why: @libsql/client prepares every statement anew, and SQLite compiles an
 * INSERT's triggers (thread, usage, event fan-out) and its FTS5 plumbing with
 * it. For a 5 KB message's batch that preparation was a third of the commit's
 * CPU (BENCHMARKS.md, "What limits it"). Reads stay on @libsql/client.
 *
 * A statement that failed is dropped from the cache, and after SQLITE_BUSY the
 * connection is replaced before the next call (tursodatabase/libsql-client-ts
 * #352: a statement left in progress would fail every later COMMIT).
 */

type NativeStatement = ReturnType<InstanceType<typeof Database>["prepare"]>;

interface Prepared {
  statement: NativeStatement;
  /** Returns rows (SELECT, RETURNING): run with all(), in raw mode. */
  reader: boolean;
  columns: string[];
}

/** Distinct SQL texts kept prepared; the writer's verbs use a few dozen. */
const CACHE_ENTRIES = 256;
/**
 * A statement keeps SQLite's copy of its last bound values until it is bound
 * again, so one that bound more than this (a large message's text, a blob
 * chunk) is not kept: its copy goes with it when it is collected.
 */
const MAX_KEPT_BINDING_BYTES = 256 * 1024;
const BUSY = /^SQLITE_BUSY/;

export type PreparedClient = Pick<Client, "batch" | "transaction" | "close"> & {
  /** Statements kept prepared now. */
  readonly prepared: number;
};

export function createPreparedClient(options: {
  url: string;
  busyTimeoutMs?: number | undefined;
  /** `PRAGMA wal_autocheckpoint` of this connection (SQLite's default: 1000 pages). */
  walAutoCheckpointPages?: number | undefined;
}): PreparedClient {
  const path = expandConfig({ url: options.url }, true).path;
  const open = () => {
    const connection = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
    // Per connection, as db/client.ts sets it on the pooled ones: a 250 survives a power cut.
    connection.exec("PRAGMA synchronous = FULL");
    if (options.walAutoCheckpointPages !== undefined)
      connection.exec(
        `PRAGMA wal_autocheckpoint = ${Math.max(0, Math.trunc(options.walAutoCheckpointPages))}`,
      );
    return connection;
  };
  let connection = open();
  let cache = new Map<string, Prepared>();
  let poisoned = false;

  const prepare = (sql: string): Prepared => {
    const cached = cache.get(sql);
    if (cached) {
      // Most recently used last, so eviction takes the least recently used.
      cache.delete(sql);
      cache.set(sql, cached);
      return cached;
    }
    const statement = connection.prepare(sql);
    const reader = statement.reader;
    if (reader) statement.raw(true);
    const prepared = {
      statement,
      reader,
      columns: reader ? statement.columns().map((column) => column.name) : [],
    };
    cache.set(sql, prepared);
    if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
    return prepared;
  };

  const execute = (input: InStatement): ResultSet => {
    const { sql, args } = typeof input === "string" ? { sql: input, args: [] } : input;
    if (!Array.isArray(args)) throw new TypeError("named arguments are not supported by the writer");
    const values = args.map(toSqlValue);
    try {
      const prepared = prepare(sql);
      if (boundBytes(values) > MAX_KEPT_BINDING_BYTES) cache.delete(sql);
      if (prepared.reader) return rowsResult(prepared.columns, prepared.statement.all(values) as unknown[][]);
      const info = prepared.statement.run(values);
      return result([], [], Number(info.changes), BigInt(info.lastInsertRowid));
    } catch (error) {
      cache.delete(sql);
      if (BUSY.test(codeOf(error))) poisoned = true;
      throw error;
    }
  };

  /** A fresh connection after SQLITE_BUSY, once no transaction of ours is open. */
  const healIfPoisoned = () => {
    if (!poisoned || connection.inTransaction) return;
    poisoned = false;
    const old = connection;
    connection = open();
    cache = new Map();
    old.close();
  };

  const rollback = () => {
    if (connection.inTransaction) connection.exec("ROLLBACK");
  };

  const begin = () => {
    healIfPoisoned();
    try {
      connection.exec("BEGIN IMMEDIATE");
    } catch (error) {
      if (BUSY.test(codeOf(error))) poisoned = true;
      throw error;
    }
  };

  const transaction = async (): Promise<Transaction> => {
    // Like @libsql/client, start on a later microtask: the caller's own code
    // (queueing the next batches) runs before a synchronous commit holds the thread.
    await null;
    begin();
    let closed = false;
    const tx = {
      execute: async (statement: InStatement) => execute(statement),
      batch: async (statements: InStatement[]) => statements.map(execute),
      commit: async () => {
        closed = true;
        try {
          connection.exec("COMMIT");
        } catch (error) {
          rollback();
          throw error;
        } finally {
          healIfPoisoned();
        }
      },
      rollback: async () => {
        closed = true;
        rollback();
        healIfPoisoned();
      },
      close: () => {
        if (closed) return;
        closed = true;
        rollback();
        healIfPoisoned();
      },
      get closed() {
        return closed;
      },
    };
    return tx as unknown as Transaction;
  };

  return {
    /** One write transaction: every statement, then COMMIT; a failure rolls all of it back. */
    async batch(statements) {
      const tx = await transaction();
      try {
        const results = statements.map((statement) => execute(statement as InStatement));
        await tx.commit();
        return results;
      } finally {
        tx.close();
      }
    },
    transaction,
    get prepared() {
      return cache.size;
    },
    close() {
      cache.clear();
      connection.close();
    },
  };
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

/** As @libsql/client binds them: booleans as 0/1, dates as epoch ms; undefined is refused. */
function toSqlValue(value: InValue | undefined): unknown {
  if (value === undefined) throw new TypeError("undefined cannot be passed as argument to the database");
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.valueOf();
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (typeof value === "number" && !Number.isFinite(value))
    throw new RangeError("Only finite numbers (not Infinity or NaN) can be passed as arguments");
  return value;
}

function boundBytes(values: unknown[]): number {
  let total = 0;
  for (const value of values) {
    if (typeof value === "string") total += value.length;
    else if (value instanceof Uint8Array || value instanceof ArrayBuffer) total += value.byteLength;
  }
  return total;
}

function rowsResult(columns: string[], raw: unknown[][]): ResultSet {
  const rows = raw.map((values) => {
    const row: Record<string | number, unknown> = {};
    Object.defineProperty(row, "length", { value: values.length });
    values.forEach((value, index) => {
      const name = columns[index] as string;
      Object.defineProperty(row, index, { value });
      if (!Object.hasOwn(row, name)) row[name] = value;
    });
    return row as unknown as Row;
  });
  return result(columns, rows, 0, undefined);
}

function result(
  columns: string[],
  rows: Row[],
  rowsAffected: number,
  lastInsertRowid: bigint | undefined,
): ResultSet {
  return {
    columns,
    columnTypes: columns.map(() => ""),
    rows,
    rowsAffected,
    lastInsertRowid,
    toJSON: () => ({ columns, rows, rowsAffected, lastInsertRowid: lastInsertRowid?.toString() }),
  };
}
