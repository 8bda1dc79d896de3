/**
 * The bytes of one DATA as they arrive, in one growable SharedArrayBuffer.
 *
 * Growing reserves address space up to `maxBytes` once and commits pages as
 * the message arrives, so the bytes are never copied to grow (a list of
 * chunks joined at the end holds every byte twice). The buffer is shared, not
 * copied, with the threads that check, parse and store the message: each sees
 * the same memory, and a 25 MB message exists once.
 */
export interface MessageBuffer {
  append(chunk: Uint8Array): void;
  /** Bytes appended so far. */
  readonly size: number;
  /** The message: a view of exactly `size` bytes over the shared buffer. */
  bytes(): Uint8Array;
}

/** Pages are committed in steps of this, so a message of many small chunks grows a few times, not per chunk. */
const GROW_STEP = 256 * 1024;

export function createMessageBuffer(maxBytes: number): MessageBuffer {
  let buffer: SharedArrayBuffer | null = null;
  let size = 0;
  return {
    append(chunk) {
      const needed = size + chunk.byteLength;
      if (needed > maxBytes) throw new RangeError(`a message over ${maxBytes} bytes`);
      buffer ??= new SharedArrayBuffer(0, { maxByteLength: maxBytes });
      if (needed > buffer.byteLength) {
        buffer.grow(Math.min(maxBytes, Math.ceil(needed / GROW_STEP) * GROW_STEP));
      }
      new Uint8Array(buffer, size, chunk.byteLength).set(chunk);
      size = needed;
    },
    get size() {
      return size;
    },
    bytes() {
      return buffer ? new Uint8Array(buffer, 0, size) : new Uint8Array(0);
    },
  };
}
