import { SHARE_ABOVE_BYTES } from "../message-buffer";

/**
 * In a check thread, after a large message: a garbage collection. Its heap is
 * small, so this takes a millisecond or two, and it frees what the message
 * left there now rather than when the thread next collects by itself, which
 * for a thread that allocates little can be many messages later: the shared
 * buffer a large message arrived in (message-buffer.ts) is freed only once
 * every thread that saw it has dropped it, and postal-mime's garbage for a
 * large part without base64 is several times its size.
 */
export function collectAfterLarge(messageBytes: number): void {
  if (messageBytes >= SHARE_ABOVE_BYTES) Bun.gc(true);
}
