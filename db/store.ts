import type { InValue, ResultSet } from "@libsql/client";
import type { Database, Db } from "./client";
import type { SqlStatement } from "./statements";

/**
 * The Store port: the one way anything commits. Every verb (ingest, API
 * routes, CLI, tenancy, the drain's claims and records) hands its statements to
 * `write`, which commits them in one transaction and answers with the true
 * outcome:
 *
 *   committed — every statement ran and the transaction is durable;
 *   expired   — NOT committed, and never will be: the batch was still queued
 *               when its deadline passed, so it was dropped before it started;
 *   failed    — NOT committed: the transaction rolled back (or never began),
 *               with the kind of failure (busy, constraint, full, I/O, …).
 *
 * A batch that has started is never abandoned by a timer: it is waited for and
 * its outcome answered. So "451, not stored" is always the truth, and a sender's
 * retry stores exactly one copy. Reads go straight to `db` (drizzle).
 *
 * Implementations: `createInlineStore` (this file; a plain `client.batch`, used
 * by the Worker, the CLI and remote databases without a writer thread) and the
 * Bun writer thread with group commit (runtime/writer/).
 */

export type StoreFailureKind =
  /** Another writer held the lock past the busy timeout. */
  | "busy"
  /** A UNIQUE / FOREIGN KEY / CHECK / NOT NULL constraint refused a statement. */
  | "constraint"
  /** The disk (or the database's size limit) is full. */
  | "full"
  /** The file could not be read or written (I/O error, read-only, corrupt). */
  | "io"
  /** The database could not be reached (remote server down, writer thread restarting). */
  | "unavailable"
  | "unknown";

/** What one statement did: rows changed, and the rows it returned (RETURNING, SELECT). */
export interface StatementResult {
  rowsAffected: number;
  rows: Array<Record<string, InValue>>;
}

export type WriteOutcome =
  | { status: "committed"; results: StatementResult[] }
  | { status: "expired" }
  | { status: "failed"; kind: StoreFailureKind; message: string };

export interface WriteRequest {
  statements: SqlStatement[];
  /**
   * The batch writes webhook outbox rows: after its commit the drain is nudged.
   * `{ rowsAt }`: only if one of those statements (INSERT … SELECT … RETURNING
   * of outbox rows) returned a row, so a message no endpoint wants wakes nothing.
   */
  announces?: boolean | { rowsAt: number[] } | undefined;
  /** Epoch ms. A batch that has not started by then is dropped and answered `expired`. */
  deadline?: number | undefined;
  /**
   * A read that returns a row only if this batch committed (e.g. its first
   * row's primary key). If the writer dies while the batch is in its hands, the
   * store asks this on another connection instead of guessing.
   */
  verify?: SqlStatement | undefined;
}

export interface StoreHealth {
  ok: boolean;
  /** What is wrong, for /readyz and logs. */
  detail: string;
}

/** The statements of a read-then-write verb, run in one interactive write transaction. */
export interface StoreTransaction {
  execute(statement: SqlStatement): Promise<StatementResult>;
}

export interface Store {
  /** Reads (drizzle). Never used to write. */
  readonly db: Db;
  write(request: WriteRequest): Promise<WriteOutcome>;
  /** For verbs that must read and write under one lock. Throws StoreWriteError on failure. */
  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  health(): Promise<StoreHealth>;
  /** Called after every commit (e.g. to nudge the webhook drain when it `announced`). */
  onCommitted(listener: (request: WriteRequest, announced: boolean) => void): () => void;
  close(): Promise<void>;
}

/** A write that was not committed, thrown by `commit` for verbs that cannot go on without it. */
export class StoreWriteError extends Error {
  readonly kind: StoreFailureKind | "expired";
  constructor(kind: StoreFailureKind | "expired", message: string) {
    super(message);
    this.name = "StoreWriteError";
    this.kind = kind;
  }
}

/** Commits the statements or throws StoreWriteError; returns each statement's result. */
export async function commit(
  store: Pick<Store, "write">,
  statements: SqlStatement[],
  options: Omit<WriteRequest, "statements"> = {},
): Promise<StatementResult[]> {
  const outcome = await store.write({ ...options, statements });
  if (outcome.status === "committed") return outcome.results;
  if (outcome.status === "expired")
    throw new StoreWriteError("expired", "the write expired before it started");
  throw new StoreWriteError(outcome.kind, outcome.message);
}

const BUSY = /SQLITE_BUSY|SQLITE_LOCKED|database is locked/i;
const CONSTRAINT = /SQLITE_CONSTRAINT|constraint failed/i;
const FULL = /SQLITE_FULL|database or disk is full|ENOSPC/i;
const IO =
  /SQLITE_IOERR|SQLITE_READONLY|SQLITE_CANTOPEN|SQLITE_CORRUPT|SQLITE_NOTADB|disk I\/O error|EIO\b|EROFS/i;
const UNAVAILABLE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|fetch failed|Unable to connect|socket|HRANA_WEBSOCKET|SERVER_ERROR|HTTP status 5\d\d|status code 5\d\d/i;

/** The kind of a driver error, from its code and message (libSQL codes look like SQLITE_BUSY_SNAPSHOT). */
export function classifyStoreError(error: unknown): StoreFailureKind {
  const parts: string[] = [];
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof Error) {
      const code = (current as Error & { code?: unknown }).code;
      parts.push(typeof code === "string" ? code : "", current.message);
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  const text = parts.join(" ");
  if (BUSY.test(text)) return "busy";
  if (CONSTRAINT.test(text)) return "constraint";
  if (FULL.test(text)) return "full";
  if (IO.test(text)) return "io";
  if (UNAVAILABLE.test(text)) return "unavailable";
  return "unknown";
}

export function failedOutcome(error: unknown): WriteOutcome {
  return { status: "failed", kind: classifyStoreError(error), message: errorMessage(error) };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A driver result as plain data (it crosses threads as a structured clone). */
export function toStatementResult(result: ResultSet): StatementResult {
  const rows = result.rows.map((row) => {
    const plain: Record<string, InValue> = {};
    result.columns.forEach((column, index) => {
      plain[column] = row[index] as InValue;
    });
    return plain;
  });
  return { rowsAffected: result.rowsAffected, rows };
}

function announcedBy(request: WriteRequest, results: StatementResult[] | null): boolean {
  const announces = request.announces;
  if (!announces) return false;
  if (announces === true || results === null) return true;
  return announces.rowsAt.some((at) => (results[at]?.rows.length ?? 0) > 0);
}

/** Listeners told after each commit; shared by every implementation. */
export function createCommitListeners() {
  const listeners = new Set<(request: WriteRequest, announced: boolean) => void>();
  return {
    add(listener: (request: WriteRequest, announced: boolean) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** `results` unknown (a batch settled by its verify read): announced if it could have. */
    notify(request: WriteRequest, results: StatementResult[] | null): void {
      for (const listener of listeners) listener(request, announcedBy(request, results));
    },
  };
}

/** Readiness of the database itself: it answers a statement (both implementations use it). */
export async function pingDatabase(database: Pick<Database, "client">): Promise<StoreHealth> {
  try {
    await database.client.execute("SELECT 1");
    return { ok: true, detail: "ready" };
  } catch (error) {
    return { ok: false, detail: `database unreachable: ${errorMessage(error)}` };
  }
}

/** Runs `work` in one write transaction on `database`'s own client (both implementations use it). */
export async function runTransaction<T>(
  database: Pick<Database, "client">,
  work: (tx: StoreTransaction) => Promise<T>,
): Promise<T> {
  let tx: Awaited<ReturnType<Database["client"]["transaction"]>>;
  try {
    tx = await database.client.transaction("write");
  } catch (error) {
    throw new StoreWriteError(classifyStoreError(error), errorMessage(error));
  }
  const driverError = (error: unknown) => new StoreWriteError(classifyStoreError(error), errorMessage(error));
  try {
    const value = await work({
      execute: (statement) =>
        tx.execute(statement).then(toStatementResult, (error: unknown) => {
          throw driverError(error);
        }),
    });
    await tx.commit().catch((error: unknown) => {
      throw driverError(error);
    });
    return value;
  } finally {
    tx.close();
  }
}

/**
 * The inline Store: each write is one `client.batch(…, "write")` on the
 * database's own client. A deadline is checked before the batch is sent; once
 * sent, its outcome is awaited, never raced.
 */
export function createInlineStore(database: Database, options: { now?: () => number } = {}): Store {
  const now = options.now ?? Date.now;
  const listeners = createCommitListeners();
  return {
    db: database.db,
    async write(request) {
      if (request.deadline !== undefined && now() > request.deadline) return { status: "expired" };
      if (request.statements.length === 0) return { status: "committed", results: [] };
      try {
        const results = await database.client.batch(request.statements, "write");
        const outcome: WriteOutcome = { status: "committed", results: results.map(toStatementResult) };
        listeners.notify(request, outcome.results);
        return outcome;
      } catch (error) {
        return failedOutcome(error);
      }
    },
    transaction: (work) => runTransaction(database, work),
    health: () => pingDatabase(database),
    onCommitted: (listener) => listeners.add(listener),
    async close() {
      database.close();
    },
  };
}
