import { expect, test } from "bun:test";
import { createGarbagePacer } from "../../smtp-edge/garbage-pacer";
import { createMessageBuffer } from "../../smtp-edge/message-buffer";

test("the DATA buffer grows in place over shared memory, holds exactly what was appended, and refuses past its limit", () => {
  const buffer = createMessageBuffer(1_000_000);
  expect(buffer.bytes().byteLength).toBe(0);
  const chunks = Array.from({ length: 30 }, (_, n) => new Uint8Array(20_000).fill(n));
  for (const chunk of chunks) buffer.append(chunk);
  const bytes = buffer.bytes();
  expect(buffer.size).toBe(600_000);
  expect(bytes.byteLength).toBe(600_000);
  // Shared, so the check, parse and writer threads read it without a copy.
  expect(bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
  expect(bytes[0]).toBe(0);
  expect(bytes[20_000 * 17 + 5]).toBe(17);
  expect(bytes[599_999]).toBe(29);
  expect(() => buffer.append(new Uint8Array(400_001))).toThrow(RangeError);
  expect(buffer.size).toBe(600_000);
});

test("the garbage pacer asks for a collection once per budget of bytes", () => {
  let collections = 0;
  const pace = createGarbagePacer(1000, () => collections++);
  for (let n = 0; n < 25; n++) pace(100);
  expect(collections).toBe(2);
});
