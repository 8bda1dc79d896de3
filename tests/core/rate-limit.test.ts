import { describe, expect, test } from "bun:test";
import { createRateLimiter } from "../../core/rate-limit";

describe("createRateLimiter (token bucket)", () => {
  test("a full minute's burst, then one token back every 60/limit seconds", () => {
    let now = 1_000_000;
    const limiter = createRateLimiter({ perMinute: 60, now: () => now });
    for (let i = 0; i < 60; i++) expect(limiter.take("k").allowed).toBe(true);
    const refused = limiter.take("k");
    expect(refused).toEqual({
      allowed: false,
      limit: 60,
      remaining: 0,
      resetSeconds: 60,
      retryAfterSeconds: 1,
    });
    now += 1000;
    expect(limiter.take("k")).toEqual({
      allowed: true,
      limit: 60,
      remaining: 0,
      resetSeconds: 60,
      retryAfterSeconds: 0,
    });
    now += 30_000;
    expect(limiter.take("k").remaining).toBe(29);
  });

  test("keys are independent", () => {
    const limiter = createRateLimiter({ perMinute: 1, now: () => 0 });
    expect(limiter.take("a").allowed).toBe(true);
    expect(limiter.take("a").allowed).toBe(false);
    expect(limiter.take("b").allowed).toBe(true);
  });

  test("memory is bounded: the least recently used bucket goes first", () => {
    const limiter = createRateLimiter({ perMinute: 1, maxKeys: 2, now: () => 0 });
    limiter.take("a");
    limiter.take("b");
    limiter.take("a");
    limiter.take("c"); // evicts b, the least recently used
    expect(limiter.take("a").allowed).toBe(false);
    expect(limiter.take("b").allowed).toBe(true);
  });
});
