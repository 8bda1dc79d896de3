/// <reference lib="webworker" />
import { expandConfig } from "@libsql/core/config";
import { createDatabase } from "../../db/client";
import { reclaimFreePages } from "../../db/reclaim-space";
import { errorMessage } from "../../db/store";
import type { CheckpointerInit, CheckpointerMessage } from "./checkpoint-thread";
import { createGroupCommitWriter } from "./group-commit";
import { createPreparedClient } from "./prepared-client";
import type { WriterRequest, WriterResponse } from "./protocol";

/**
 * The database writer thread (a Bun Worker). It owns one connection and
 * group-commits the batches the main thread sends, so commits and fsyncs run on
 * the second core instead of blocking the event loop that serves SMTP. It does
 * nothing but commit: webhook delivery runs on the main thread
 * (runtime/outbox-drain.ts) and sends its records here like any other write.
 * Protocol (protocol.ts): `init` once, then `write`s answered by id with their outcome.
 */
declare const self: Worker;

/** Bytes of arguments per group commit on a remote database (the Hrana test server refuses 1 MiB requests). */
const REMOTE_COMMIT_BYTES = 512 * 1024;
/** Group commits travelling at once to a remote database (a file database commits one at a time). */
const REMOTE_COMMITS_IN_FLIGHT = 4;
/** How often a file database's free pages are given back to the file system (and once at start). */
const RECLAIM_INTERVAL_MS = 10_000;
/**
 * The WAL of a file database is copied into it by a thread of its own (checkpoint-thread.ts) this often; the
 * writer's own automatic checkpoint waits until the WAL holds this many pages (16 MB at 4 KB pages), as a
 * backstop that keeps the WAL bounded if that thread falls behind or stops.
 */
const CHECKPOINT_INTERVAL_MS = 100;
const WRITER_AUTOCHECKPOINT_PAGES = 4000;
/** Blob bytes committed between garbage collections in this thread (its heap is small: ~2 ms each). */
const GARBAGE_EVERY_BYTES = 4 * 1024 * 1024;

/** A full collection, then a turn of the event loop: the native statements' finalizers run there. */
async function collectGarbage(): Promise<void> {
  Bun.gc(true);
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
}

let writer: ReturnType<typeof createGroupCommitWriter> | null = null;

const reply = (message: WriterResponse) => postMessage(message);

self.onmessage = async (event: MessageEvent<WriterRequest>) => {
  const request = event.data;
  switch (request.type) {
    case "init":
      try {
        const database = await createDatabase({
          url: request.url,
          authToken: request.authToken,
          busyTimeoutMs: request.busyTimeoutMs,
        });
        // A remote database takes each commit as one HTTP request: keep groups well under what servers accept.
        // A file database commits through a connection that keeps its statements prepared (prepared-client.ts).
        const committer = database.isLocalFile
          ? createPreparedClient({
              url: request.url,
              busyTimeoutMs: request.busyTimeoutMs,
              walAutoCheckpointPages: WRITER_AUTOCHECKPOINT_PAGES,
            })
          : database.client;
        writer = createGroupCommitWriter(committer, {
          maxBytesPerCommit: database.isLocalFile ? undefined : REMOTE_COMMIT_BYTES,
          concurrency: database.isLocalFile ? 1 : REMOTE_COMMITS_IN_FLIGHT,
          // Remote: a commit too big for one request goes a statement per request. Local: big groups
          // go in steps too, collecting the client's copies of their blobs as they go.
          inSteps: database.isLocalFile
            ? {
                aboveBytes: GARBAGE_EVERY_BYTES,
                collectGarbage: { everyBytes: GARBAGE_EVERY_BYTES, collect: collectGarbage },
              }
            : { aboveBytes: REMOTE_COMMIT_BYTES },
        });
        if (database.isLocalFile) {
          startReclaiming(database.client);
          startCheckpointer(expandConfig({ url: request.url }, true).path);
        }
        reply({ type: "ready" });
      } catch (error) {
        reply({ type: "init-failed", error: errorMessage(error) });
      }
      return;
    case "crash":
      setTimeout(() => {
        throw new Error("writer thread crash requested by a test");
      }, 0);
      return;
    case "write": {
      const id = request.id;
      if (!writer) {
        reply({
          type: "outcome",
          id,
          outcome: { status: "failed", kind: "unavailable", message: "writer not initialised" },
        });
        return;
      }
      writer({ statements: request.statements, deadline: request.deadline }).then((outcome) =>
        reply({ type: "outcome", id, outcome }),
      );
      return;
    }
  }
};

/**
 * The checkpoint thread (checkpoint-thread.ts). If it stops, it is not
 * restarted: the writer's backstop checkpoint does its work from then on.
 */
function startCheckpointer(path: string) {
  const thread = new Worker(new URL("./checkpoint-thread.ts", import.meta.url).href);
  (thread as unknown as { unref(): void }).unref();
  thread.onmessage = (event: MessageEvent<CheckpointerMessage>) => reply(event.data);
  thread.postMessage({ path, intervalMs: CHECKPOINT_INTERVAL_MS } satisfies CheckpointerInit);
}

/**
 * Deleted mail's pages go back to the file system between commits
 * (db/reclaim-space.ts). Only while no group is committing: the local client
 * runs a statement synchronously, so nothing else runs on this thread during
 * it, and no transaction of this thread's own holds the lock it needs.
 */
function startReclaiming(client: Parameters<typeof reclaimFreePages>[0]) {
  const reclaim = async () => {
    if (!writer || writer.busy) return;
    try {
      await reclaimFreePages(client, { mayWrite: () => writer?.busy === false });
    } catch {
      // A full disk can refuse even this (it writes the WAL); the next tick tries again.
    }
  };
  void reclaim();
  setInterval(reclaim, RECLAIM_INTERVAL_MS);
}
