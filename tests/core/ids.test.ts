import { expect, test } from "bun:test";
import { isId, newId } from "../../core/ids";

test("ids carry their type prefix and a 26-character time-ordered body", () => {
  const id = newId("message");
  expect(id).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
  expect(isId("message", id)).toBe(true);
  expect(isId("mailbox", id)).toBe(false);
  expect(isId("message", "msg_../../etc")).toBe(false);
});

test("ids made in the same millisecond still sort in creation order", () => {
  const now = Date.now();
  const ids = Array.from({ length: 1000 }, () => newId("message", now));
  expect([...ids].sort()).toEqual(ids);
  expect(new Set(ids).size).toBe(1000);
});

test("later ids sort after earlier ones", () => {
  const early = newId("tenant", Date.now());
  const late = newId("tenant", Date.now() + 1000);
  expect(late > early).toBe(true);
});
