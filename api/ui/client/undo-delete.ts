import { api } from "./api";
import { announce, dismissToast } from "./dom";
import { state } from "./state";

/**
 * Deleting a message with an undo, as mail clients do: the message leaves the
 * list at once and a toast offers Undo for UNDO_MS; only then is the DELETE
 * sent. The API has no restore, so it is the request that waits, never the
 * message that is re-created. One delete waits at a time: the next one sends
 * it at once. Leaving or closing the page sends a waiting delete right then,
 * with `keepalive` so the request outlives the page; so does signing out.
 */

export const UNDO_MS = 5000;

export interface DeleteHooks {
  /** Undo: put the message back where it was. */
  restore(): void;
  /** The API deleted it (or it was gone already). */
  sent(): void;
  /** The API refused: the message is still there. */
  failed(message: string): void;
}

let waiting: (DeleteHooks & { id: string; timer: number }) | null = null;

export function deleteWithUndo(id: string, hooks: DeleteHooks): void {
  sendWaitingDelete();
  state.deleted.add(id);
  waiting = { ...hooks, id, timer: window.setTimeout(() => sendWaitingDelete(), UNDO_MS) };
  announce("Message deleted", "info", {
    action: { label: "Undo", name: "undo", run: undoDelete },
    durationMs: UNDO_MS,
  });
}

/** Drops the waiting delete and brings its message back; false when there is none. */
export function undoDelete(): boolean {
  const entry = waiting;
  if (!entry) return false;
  waiting = null;
  window.clearTimeout(entry.timer);
  state.deleted.delete(entry.id);
  dismissToast("undo");
  entry.restore();
  return true;
}

/** Sends the waiting delete now: its undo window passed, another delete came, or the page is going. */
export function sendWaitingDelete(keepalive = false): void {
  const entry = waiting;
  if (!entry) return;
  waiting = null;
  window.clearTimeout(entry.timer);
  dismissToast("undo");
  api.deleteMessage(entry.id, keepalive).then(
    () => entry.sent(),
    (error: { status?: number; message: string }) => {
      if (error.status === 404) return entry.sent();
      state.deleted.delete(entry.id);
      entry.failed(error.message);
    },
  );
}

export function installUndoDelete(): void {
  // pagehide, not unload: it fires for closing, reloading and leaving, also into the back/forward cache.
  window.addEventListener("pagehide", () => sendWaitingDelete(true));
}
