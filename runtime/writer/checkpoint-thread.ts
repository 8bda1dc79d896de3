/// <reference lib="webworker" />
import Database from "libsql";
import type { WriterResponse } from "./protocol";

/**
 * The WAL checkpointer of a `file:` database (a Bun Worker the writer thread
 * starts). SQLite's automatic checkpoint runs inside the COMMIT that crosses
 * `wal_autocheckpoint` pages: that commit, and every group queued behind it,
 * waits while the WAL's pages are copied into the database and the file is
 * fsynced (tens of ms on a small VM's disk, the tail of dot→250). Here, a
 * PASSIVE checkpoint on a connection of its own copies them while the writer
 * keeps committing (SQLite lets one checkpointer run beside the writer and the
 * readers; it never waits for either).
 *
 * The writer keeps a larger automatic checkpoint as a backstop
 * (WRITER_AUTOCHECKPOINT_PAGES in writer-thread.ts): the WAL file restarts from
 * its beginning only when every frame has been copied and the writer starts a
 * transaction, so under a load that never pauses the writer's own checkpoint
 * (which copies only what this one has not) keeps the WAL bounded, and if this
 * thread dies the database works exactly as before.
 *
 * Protocol: `{ path, intervalMs }` once; it answers `{ type: "checkpoint",
 * frames }` for each pass that copied frames, with `error` for one that failed
 * (a full disk: the next pass tries again). The writer thread passes these on
 * to the main thread as they are (protocol.ts).
 */
declare const self: Worker;

export interface CheckpointerInit {
  path: string;
  intervalMs: number;
}

export type CheckpointerMessage = Extract<WriterResponse, { type: "checkpoint" }>;

self.onmessage = (event: MessageEvent<CheckpointerInit>) => {
  const { path, intervalMs } = event.data;
  const connection = new Database(path, { timeout: 0 });
  const checkpoint = connection.prepare("PRAGMA wal_checkpoint(PASSIVE)").raw(true);
  /** Frames of the current WAL already copied, as the last pass left them. */
  let copied = 0;
  setInterval(() => {
    try {
      // [busy, frames in the WAL, frames of it copied so far]; the count restarts when the WAL does.
      // Busy (the writer's own checkpoint held the lock): -1 for the counts, so the pass is skipped.
      const [busy, , backfilled] = checkpoint.get() as [number, number, number];
      if (busy !== 0 || backfilled < 0) return;
      const fresh = backfilled >= copied ? backfilled - copied : backfilled;
      copied = backfilled;
      if (fresh > 0) postMessage({ type: "checkpoint", frames: fresh } satisfies CheckpointerMessage);
    } catch (error) {
      postMessage({
        type: "checkpoint",
        frames: 0,
        error: error instanceof Error ? error.message : String(error),
      } satisfies CheckpointerMessage);
    }
  }, intervalMs);
};
