import type { Client } from "@libsql/client";

/**
 * Gives the pages deleted mail leaves inside a `file:` database back to the
 * file system. Without this, deleting mail on a full disk frees pages only
 * inside the file: the free-space floor (smtp-edge/storage-guard.ts) still sees
 * a full disk, and the WAL, which must grow on disk before any page is reused,
 * still fails with SQLITE_FULL — across restarts too, since a clean close
 * removes the WAL file. New databases are made with auto_vacuum=INCREMENTAL
 * (db/client.ts) so the free pages can be cut off the end of the file here; a
 * database made before that needs one `VACUUM` (README, "When the disk fills").
 */

export interface ReclaimOptions {
  /** Leave fewer free pages than this alone (SQLite reuses them for the next mail anyway). */
  minFreePages?: number;
  /** Pages per call, so one call is a bounded amount of work. */
  maxPages?: number;
  /** Asked before each step, which takes the write lock: false stops there. */
  mayWrite?: () => boolean;
}

/**
 * Pages per step. A step writes about as many pages to the WAL as it frees
 * (measured: one `incremental_vacuum` of 3,668 pages grew the WAL by 13 MB,
 * which a full disk does not have); steps of 128 with a checkpoint after each
 * reuse the same 0.1 MB of WAL.
 */
const STEP_PAGES = 128;

/** Returns how many pages were given back (0 when there were too few, or the database cannot). */
export async function reclaimFreePages(client: Client, options: ReclaimOptions = {}): Promise<number> {
  const minFreePages = options.minFreePages ?? 256;
  const maxPages = options.maxPages ?? 16_384;
  const before = await pragmaNumber(client, "freelist_count");
  if (before < minFreePages) return 0;
  // 2 = INCREMENTAL; a database created before auto_vacuum was set reports 0.
  if ((await pragmaNumber(client, "auto_vacuum")) !== 2) return 0;
  let free = before;
  while (free > 0 && before - free < maxPages) {
    if (options.mayWrite && !options.mayWrite()) break;
    // executeMultiple, not execute: the pragma frees one page per step of the
    // statement and libsql's execute steps a statement without result columns
    // only once, which leaves it in progress and the connection locked. The
    // checkpoint writes the moved pages home, which is when SQLite truncates
    // the file, and lets the next step reuse the WAL from its start.
    await client.executeMultiple(`PRAGMA incremental_vacuum(${STEP_PAGES}); PRAGMA wal_checkpoint(PASSIVE);`);
    const left = await pragmaNumber(client, "freelist_count");
    if (left >= free) break; // nothing moved (a reader holds the pages): try again later
    free = left;
  }
  // The WAL keeps its largest size on disk; give that back too.
  if (before > free && (!options.mayWrite || options.mayWrite()))
    await client.executeMultiple("PRAGMA wal_checkpoint(TRUNCATE);");
  return before - free;
}

async function pragmaNumber(client: Client, name: string): Promise<number> {
  const result = await client.execute(`PRAGMA ${name}`);
  return Number(result.rows[0]?.[0] ?? 0);
}
