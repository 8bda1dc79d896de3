import type { SqlStatement } from "./statements";
import type { DrainSettings, WriterRequest, WriterResponse } from "./writer-thread";

/**
 * The main-thread side of the writer thread: `write(statements)` resolves when
 * the transaction holding them has committed in the worker, and rejects with
 * the worker's error (the SMTP edge then answers 451).
 */
export interface StatementWriter {
  write(statements: SqlStatement[]): Promise<void>;
  /** The webhook drain that runs in the writer thread (when started with `drain`). */
  drain: { nudge(): void; stop(): Promise<void> };
  /** Waits for writes in flight, then stops the thread. */
  close(): Promise<void>;
}

/**
 * Big blobs (a message's raw bytes, its attachments) are moved to the writer
 * thread instead of copied, which keeps a 25 MB message from existing twice.
 * Only buffers a view covers whole and that are large: small Buffers can share
 * a pooled ArrayBuffer with unrelated data, which must never be detached.
 * The caller must not touch these bytes after `write`.
 */
const TRANSFER_MIN_BYTES = 64 * 1024;

function largeBuffers(statements: SqlStatement[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const statement of statements) {
    for (const arg of statement.args) {
      if (
        arg instanceof Uint8Array &&
        arg.buffer instanceof ArrayBuffer &&
        arg.byteOffset === 0 &&
        arg.byteLength === arg.buffer.byteLength &&
        arg.byteLength >= TRANSFER_MIN_BYTES
      ) {
        buffers.add(arg.buffer);
      }
    }
  }
  return [...buffers];
}

export async function startWriterThread(options: {
  url: string;
  authToken?: string | undefined;
  busyTimeoutMs: number;
  /** Run the webhook drain in the writer thread too. */
  drain?: DrainSettings | undefined;
}): Promise<StatementWriter> {
  const worker = new Worker(new URL("./writer-thread.ts", import.meta.url).href);
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let failure: Error | null = null;

  let drainStopped: (() => void) | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<WriterResponse>) => {
      const message = event.data;
      if (message.type === "ready") return resolve();
      if (message.type === "stopped") return drainStopped?.();
      if (message.type === "init-failed") return reject(new Error(`writer thread: ${message.error}`));
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.type === "written") waiter.resolve();
      else waiter.reject(new Error(message.error));
    };
  });
  worker.onerror = (event) => {
    // The thread died: fail what is in flight and every later write (the edge answers 451).
    failure = new Error(`writer thread crashed: ${event.message}`);
    for (const waiter of pending.values()) waiter.reject(failure);
    pending.clear();
  };
  worker.postMessage({ type: "init", ...options } satisfies WriterRequest);
  await ready;

  return {
    drain: {
      nudge: () => worker.postMessage({ type: "nudge" } satisfies WriterRequest),
      stop: () =>
        Promise.race([
          new Promise<void>((resolve) => {
            drainStopped = resolve;
            worker.postMessage({ type: "stop" } satisfies WriterRequest);
          }),
          // A thread that died answers nothing.
          Bun.sleep(20_000),
        ]),
    },
    write(statements) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: "write", id, statements } satisfies WriterRequest, {
          transfer: largeBuffers(statements),
        });
      });
    },
    async close() {
      const deadline = Date.now() + 30_000;
      while (pending.size > 0 && Date.now() < deadline) await Bun.sleep(5);
      worker.terminate();
    },
  };
}
