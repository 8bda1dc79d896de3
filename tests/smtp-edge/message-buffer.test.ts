import { expect, test } from "bun:test";
import { createGarbagePacer } from "../../smtp-edge/garbage-pacer";
import { createMessageBuffer } from "../../smtp-edge/message-buffer";

test("a large DATA grows in place over shared memory and holds exactly what was appended; past the limit it refuses", () => {
  const buffer = createMessageBuffer(3_000_000);
  const chunks = Array.from({ length: 30 }, (_, n) => new Uint8Array(60_000).fill(n));
  for (const chunk of chunks) buffer.append(chunk);
  const bytes = buffer.bytes();
  expect(buffer.size).toBe(1_800_000);
  expect(bytes.byteLength).toBe(1_800_000);
  // Shared, so the check, parse and writer threads read it without a copy.
  expect(bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
  expect(bytes[0]).toBe(0);
  expect(bytes[60_000 * 17 + 5]).toBe(17);
  expect(bytes[1_799_999]).toBe(29);
  expect(() => buffer.append(new Uint8Array(1_200_001))).toThrow(RangeError);
  expect(buffer.size).toBe(1_800_000);
});

test("a small DATA is joined into an ordinary buffer (copying it costs less than sharing)", () => {
  const buffer = createMessageBuffer(3_000_000);
  for (let n = 0; n < 10; n++) buffer.append(new Uint8Array(500).fill(n));
  const bytes = buffer.bytes();
  expect(bytes.buffer).toBeInstanceOf(ArrayBuffer);
  expect(bytes.byteLength).toBe(5000);
  expect([bytes[0], bytes[2499], bytes[4999]]).toEqual([0, 4, 9]);
  expect(createMessageBuffer(100).bytes().byteLength).toBe(0);
});

test("the garbage pacer asks for a collection once per budget of bytes", () => {
  let collections = 0;
  const pace = createGarbagePacer(1000, () => collections++);
  for (let n = 0; n < 25; n++) pace(100);
  expect(collections).toBe(2);
});
