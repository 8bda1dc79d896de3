import type { Logger } from "../../core/logger";
import type { Database } from "../../db/client";
import type { SqlStatement } from "../../db/statements";
import {
  createCommitListeners,
  errorMessage,
  pingDatabase,
  runTransaction,
  type Store,
  type WriteOutcome,
  type WriteRequest,
} from "../../db/store";
import type { WriterRequest, WriterResponse } from "./protocol";

/**
 * The Bun Store: writes go to a writer thread (writer-thread.ts) that
 * group-commits them on its own connection; reads and `transaction` use the
 * main thread's connection.
 *
 * A crashed thread is restarted in this process, after a short back-off, rather
 * than exiting: SMTP sessions in flight on the main thread would all be cut, and
 * a restart costs ~100 ms. While it is down, new writes wait (until their
 * deadline, then `expired`), /readyz answers 503, and a batch that was in the
 * dead thread's hands is answered by asking its `verify` read, never by a
 * guess. A thread that keeps crashing (more than `maxRestarts` in a minute)
 * calls `onFatal`, and the entry exits non-zero so a supervisor restarts the
 * whole process.
 */
export interface ThreadStore extends Store {
  /** Test hook: makes the writer thread die as a crash would. */
  crashWriterForTest(): void;
  /**
   * WAL frames the checkpoint thread has copied into a file database, at least: a pass that finds the WAL
   * restarted counts the new WAL's copied frames only (and frames the writer's own checkpoint copied count too).
   */
  readonly checkpointedFrames: number;
}

export interface ThreadStoreOptions {
  database: Database;
  url: string;
  authToken?: string | undefined;
  busyTimeoutMs: number;
  logger: Logger;
  /** First restart delay; doubles per crash in a row, up to 5 s. */
  restartDelayMs?: number | undefined;
  maxRestartsPerMinute?: number | undefined;
  onFatal?: ((error: Error) => void) | undefined;
}

/**
 * Big blobs (a message's raw bytes, its attachments) are moved to the writer
 * thread instead of copied, which keeps a 25 MB message from existing twice.
 * Only large buffers whose every byte is an argument of the batch (one view
 * of it whole, or its chunks, core/messages/blobs.ts): small Buffers can share
 * a pooled ArrayBuffer with unrelated data, which must never be detached.
 * Bytes over shared memory are neither: the thread reads them in place.
 * The caller must not touch these bytes after `write`.
 */
const TRANSFER_MIN_BYTES = 64 * 1024;

function largeBuffers(statements: SqlStatement[]): ArrayBuffer[] {
  const views = new Map<ArrayBuffer, Array<[number, number]>>();
  for (const statement of statements) {
    for (const arg of statement.args) {
      if (!(arg instanceof Uint8Array) || !(arg.buffer instanceof ArrayBuffer)) continue;
      if (arg.buffer.byteLength < TRANSFER_MIN_BYTES) continue;
      const ranges = views.get(arg.buffer) ?? [];
      ranges.push([arg.byteOffset, arg.byteOffset + arg.byteLength]);
      views.set(arg.buffer, ranges);
    }
  }
  return [...views]
    .filter(([buffer, ranges]) => coversWhole(ranges, buffer.byteLength))
    .map(([buffer]) => buffer);
}

function coversWhole(ranges: Array<[number, number]>, length: number): boolean {
  ranges.sort((a, b) => a[0] - b[0]);
  let covered = 0;
  for (const [start, end] of ranges) {
    if (start > covered) return false;
    covered = Math.max(covered, end);
  }
  return covered >= length;
}

interface Waiter {
  request: WriteRequest;
  resolve: (outcome: WriteOutcome) => void;
  timer?: ReturnType<typeof setTimeout>;
}

export async function startThreadStore(options: ThreadStoreOptions): Promise<ThreadStore> {
  const { database, logger } = options;
  const listeners = createCommitListeners();
  const firstDelay = options.restartDelayMs ?? 100;
  const maxRestarts = options.maxRestartsPerMinute ?? 5;
  /** Sent to the thread, answer pending. */
  const inFlight = new Map<number, Waiter>();
  /** Arrived while the thread was down. */
  const held: Waiter[] = [];
  const crashes: number[] = [];
  let nextId = 1;
  let worker: Worker | null = null;
  let ready = false;
  let closing = false;
  let downReason = "writer thread starting";
  let restartDelay = firstDelay;

  const finish = (waiter: Waiter, outcome: WriteOutcome) => {
    if (waiter.timer) clearTimeout(waiter.timer);
    if (outcome.status === "committed") {
      // A batch settled by its verify read has no results: announced if it could have.
      listeners.notify(waiter.request, outcome.results.length > 0 ? outcome.results : null);
    }
    waiter.resolve(outcome);
  };

  const send = (waiter: Waiter) => {
    const id = nextId++;
    inFlight.set(id, waiter);
    const { statements, deadline } = waiter.request;
    (worker as Worker).postMessage({ type: "write", id, statements, deadline } satisfies WriterRequest, {
      transfer: largeBuffers(statements),
    });
  };

  /** A batch the dead thread held: committed if its verify read finds it, else not stored. */
  const settleOrphan = async (waiter: Waiter) => {
    const verify = waiter.request.verify;
    if (verify) {
      try {
        const found = await database.client.execute(verify);
        if (found.rows.length > 0) return finish(waiter, { status: "committed", results: [] });
      } catch (error) {
        logger.error("could not verify a write after the writer thread died", { error: errorMessage(error) });
      }
    }
    finish(waiter, {
      status: "failed",
      kind: "unavailable",
      message: "the writer thread stopped before this batch committed",
    });
  };

  const spawn = () =>
    new Promise<void>((resolve, reject) => {
      const thread = new Worker(new URL("./writer-thread.ts", import.meta.url).href);
      worker = thread;
      let started = false;
      thread.onmessage = (event: MessageEvent<WriterResponse>) => {
        const message = event.data;
        if (message.type === "ready") {
          started = true;
          ready = true;
          restartDelay = firstDelay;
          for (const waiter of held.splice(0)) send(waiter);
          return resolve();
        }
        if (message.type === "init-failed") return reject(new Error(`writer thread: ${message.error}`));
        if (message.type === "checkpoint") return noteCheckpoint(message);
        const waiter = inFlight.get(message.id);
        if (!waiter) return;
        inFlight.delete(message.id);
        finish(waiter, message.outcome);
      };
      const died = (reason: string) => {
        if (worker !== thread) return;
        worker = null;
        ready = false;
        thread.terminate();
        if (!started) return reject(new Error(`writer thread: ${reason}`));
        if (closing) return;
        downReason = `writer thread restarting after a crash (${reason})`;
        logger.error("writer thread crashed", { error: reason, inFlight: inFlight.size });
        const orphans = [...inFlight.values()];
        inFlight.clear();
        for (const orphan of orphans) void settleOrphan(orphan);
        restart();
      };
      thread.onerror = (event) => died(event.message || "error");
      thread.addEventListener("close", () => died("exited"));
      thread.postMessage({
        type: "init",
        url: options.url,
        authToken: options.authToken,
        busyTimeoutMs: options.busyTimeoutMs,
      } satisfies WriterRequest);
    });

  let checkpointedFrames = 0;
  let lastCheckpointWarning = 0;
  const noteCheckpoint = (report: { frames: number; error?: string | undefined }) => {
    checkpointedFrames += report.frames;
    // A full disk fails every pass: one line a minute says so (the writer's own checkpoint goes on).
    if (report.error && Date.now() - lastCheckpointWarning > 60_000) {
      lastCheckpointWarning = Date.now();
      logger.warn("WAL checkpoint failed; retrying", { error: report.error });
    }
  };

  const restart = () => {
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && (crashes[0] ?? now) < now - 60_000) crashes.shift();
    if (crashes.length > maxRestarts) {
      const error = new Error(`the writer thread crashed ${crashes.length} times in a minute`);
      logger.error("giving up on the writer thread", { error: error.message });
      options.onFatal?.(error);
      return;
    }
    const delay = restartDelay;
    restartDelay = Math.min(restartDelay * 2, 5000);
    setTimeout(() => {
      if (closing) return;
      spawn().then(
        () => logger.info("writer thread restarted", { afterMs: delay }),
        (error: unknown) => {
          logger.error("writer thread restart failed", { error: errorMessage(error) });
          restart();
        },
      );
    }, delay);
  };

  await spawn();

  return {
    db: database.db,
    write(request) {
      return new Promise<WriteOutcome>((resolve) => {
        if (request.deadline !== undefined && Date.now() > request.deadline)
          return resolve({ status: "expired" });
        const waiter: Waiter = { request, resolve };
        if (ready && worker) return send(waiter);
        if (closing) {
          return resolve({ status: "failed", kind: "unavailable", message: "the store is closing" });
        }
        // The thread is restarting: hold the batch (it was never sent) until then or its deadline.
        held.push(waiter);
        if (request.deadline !== undefined) {
          waiter.timer = setTimeout(
            () => {
              const index = held.indexOf(waiter);
              if (index === -1) return;
              held.splice(index, 1);
              resolve({ status: "expired" });
            },
            Math.max(0, request.deadline - Date.now()),
          );
        }
      });
    },
    transaction: (work) => runTransaction(database, work),
    health: async () => (ready ? pingDatabase(database) : { ok: false, detail: downReason }),
    onCommitted: (listener) => listeners.add(listener),
    crashWriterForTest() {
      worker?.postMessage({ type: "crash" } satisfies WriterRequest);
    },
    get checkpointedFrames() {
      return checkpointedFrames;
    },
    async close() {
      closing = true;
      const deadline = Date.now() + 30_000;
      while (inFlight.size > 0 && Date.now() < deadline) await Bun.sleep(5);
      for (const waiter of held.splice(0)) {
        finish(waiter, { status: "failed", kind: "unavailable", message: "the store closed" });
      }
      const thread = worker;
      worker = null;
      ready = false;
      thread?.terminate();
      database.close();
    },
  };
}
