/**
 * The bytes of one DATA as they arrive.
 *
 * A large message goes into one growable SharedArrayBuffer: growing reserves
 * address space up to `maxBytes` once and commits pages as the message
 * arrives, so its bytes are never copied to grow (a list of chunks joined at
 * the end holds every byte twice), and the threads that check, parse and store
 * it read that same memory instead of a copy each: a 25 MB message exists once.
 *
 * A small one stays a list of chunks joined once at the end, into an ordinary
 * buffer: copying it to a thread costs less than sharing, whose memory is
 * freed only once every thread that saw it has collected its garbage.
 */
export interface MessageBuffer {
  append(chunk: Uint8Array): void;
  /** Bytes appended so far. */
  readonly size: number;
  /** The message: exactly `size` bytes (over shared memory when it is large). */
  bytes(): Uint8Array;
}

/** Messages past this are held in shared memory. */
export const SHARE_ABOVE_BYTES = 1024 * 1024;

/** Shared pages are committed in steps of this, so a message of many small chunks grows a few times, not per chunk. */
const GROW_STEP = 1024 * 1024;

export function createMessageBuffer(maxBytes: number): MessageBuffer {
  let chunks: Uint8Array[] = [];
  let shared: SharedArrayBuffer | null = null;
  let size = 0;
  const copyInto = (target: Uint8Array, from: Uint8Array[]) => {
    let offset = 0;
    for (const chunk of from) {
      target.set(chunk, offset);
      offset += chunk.byteLength;
    }
  };
  return {
    append(chunk) {
      const needed = size + chunk.byteLength;
      if (needed > maxBytes) throw new RangeError(`a message over ${maxBytes} bytes`);
      if (!shared && needed <= SHARE_ABOVE_BYTES) {
        chunks.push(chunk);
        size = needed;
        return;
      }
      if (!shared) {
        shared = new SharedArrayBuffer(0, { maxByteLength: maxBytes });
        shared.grow(Math.min(maxBytes, Math.ceil(needed / GROW_STEP) * GROW_STEP));
        copyInto(new Uint8Array(shared, 0, size), chunks);
        chunks = [];
      } else if (needed > shared.byteLength) {
        shared.grow(Math.min(maxBytes, Math.ceil(needed / GROW_STEP) * GROW_STEP));
      }
      new Uint8Array(shared, size, chunk.byteLength).set(chunk);
      size = needed;
    },
    get size() {
      return size;
    },
    bytes() {
      if (shared) return new Uint8Array(shared, 0, size);
      const joined = new Uint8Array(size);
      copyInto(joined, chunks);
      chunks = [joined];
      return joined;
    },
  };
}
