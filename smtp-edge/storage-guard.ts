import { statfsSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * Back-pressure for the SMTP edge, as Postfix's `queue_minfree` and its bounded
 * memory per session give it: refuse with `452 4.3.1 Insufficient system
 * storage` what cannot be kept, rather than accept it and fail (senders retry
 * a 4xx; nothing accepted is ever dropped).
 */

/**
 * Bytes of DATA being received or processed, across every session. A message
 * reserves its bytes as they arrive and gives them back when it is answered.
 */
export interface InflightBudget {
  /** Takes `bytes` from the budget; false (and nothing taken) when they do not fit. */
  reserve(bytes: number): boolean;
  release(bytes: number): void;
  readonly used: number;
  readonly available: number;
}

export function createInflightBudget(maxBytes: number): InflightBudget {
  let used = 0;
  return {
    reserve(bytes) {
      if (used + bytes > maxBytes) return false;
      used += bytes;
      return true;
    },
    release(bytes) {
      used = Math.max(0, used - bytes);
    },
    get used() {
      return used;
    },
    get available() {
      return Math.max(0, maxBytes - used);
    },
  };
}

/**
 * A transaction's declared SIZE, held from the budget from its MAIL FROM, so
 * that two senders who each fit alone are not both let in to send 20 MB and
 * have one of them drained and refused at the end: the second is told 452 at
 * its MAIL FROM, before it sends a byte. The DATA then takes the hold over (and
 * reserves more if the message runs past what it declared); a new MAIL FROM or
 * the session's end gives back a hold no DATA took.
 */
export interface DeclaredHolds {
  /** Holds `bytes` for the session's transaction, after giving back any it held; false when they do not fit. */
  hold(sessionId: string, bytes: number): boolean;
  /** The session's hold, handed to its DATA to release (0 when there is none). */
  take(sessionId: string): number;
  /** Gives back the session's hold, if any. */
  drop(sessionId: string): void;
}

export function createDeclaredHolds(budget: InflightBudget): DeclaredHolds {
  const held = new Map<string, number>();
  const drop = (sessionId: string) => {
    const bytes = held.get(sessionId);
    if (bytes === undefined) return;
    held.delete(sessionId);
    budget.release(bytes);
  };
  return {
    hold(sessionId, bytes) {
      drop(sessionId);
      if (!budget.reserve(bytes)) return false;
      held.set(sessionId, bytes);
      return true;
    },
    take(sessionId) {
      const bytes = held.get(sessionId) ?? 0;
      held.delete(sessionId);
      return bytes;
    },
    drop,
  };
}

/** Free space of the file system a `file:` database lives on; null for a remote database. */
export interface FreeSpaceProbe {
  /** Bytes free for us now (cached for a second: a MAIL FROM must not cost a syscall each). */
  freeBytes(): number | null;
  /** True when less than the floor is free. */
  low(): boolean;
  /**
   * A message of `bytes` was stored: until the next measurement, count the disk
   * it takes as gone. Without this a burst within the cached second could fill
   * the disk past the floor (found filling a 48 MB file system with 1 MB mail).
   */
  spend(bytes: number): void;
}

/**
 * Disk a stored message takes per byte of it, at most, until the next
 * checkpoint: the raw blob, its text in the row and the index, and the WAL
 * frames that carry them.
 */
const DISK_BYTES_PER_MESSAGE_BYTE = 4;

export function createFreeSpaceProbe(input: {
  databaseUrl: string;
  minFreeBytes: number;
  now?: () => number;
  /** For tests: what statfs says. */
  statfs?: (path: string) => { bavail: number | bigint; bsize: number | bigint };
}): FreeSpaceProbe {
  const path = databaseDirectory(input.databaseUrl);
  const now = input.now ?? Date.now;
  const statfs = input.statfs ?? ((dir: string) => statfsSync(dir));
  let cached: { at: number; bytes: number | null } = { at: -Infinity, bytes: null };
  const freeBytes = () => {
    if (!path) return null;
    if (now() - cached.at < 1000) return cached.bytes;
    let bytes: number | null = null;
    try {
      const stats = statfs(path);
      bytes = Number(stats.bavail) * Number(stats.bsize);
    } catch {
      bytes = null; // cannot tell: do not refuse mail for it
    }
    cached = { at: now(), bytes };
    return bytes;
  };
  return {
    freeBytes,
    low() {
      const bytes = freeBytes();
      return bytes !== null && bytes < input.minFreeBytes;
    },
    spend(bytes) {
      if (cached.bytes !== null) cached.bytes -= bytes * DISK_BYTES_PER_MESSAGE_BYTE;
    },
  };
}

function databaseDirectory(url: string): string | null {
  if (!url.startsWith("file:") || url.includes(":memory:")) return null;
  const path = url.slice("file:".length).replace(/^\/\/(localhost)?(?=\/)/, "");
  return dirname(resolve(path.split("?")[0] ?? path));
}
