import { describe, expect, test } from "bun:test";
import { expectLinearTime } from "./linear-time";

// The check itself: it must pass linear work and catch quadratic work, whatever the machine's speed.
describe("expectLinearTime", () => {
  const sumOfCodes = (text: string) => {
    let sum = 0;
    for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i);
    return sum;
  };

  test("passes work that reads its input once", () => {
    expectLinearTime((n) => {
      const text = "x".repeat(n);
      return () => expect(sumOfCodes(text)).toBe(120 * n);
    }, 4_000_000);
  });

  test("fails work that rereads its input for every character", () => {
    const quadratic = (n: number) => {
      const text = "x".repeat(n);
      return () => {
        let sum = 0;
        for (let i = 0; i < text.length; i++) sum += sumOfCodes(text.slice(i, i + n)) & 1;
        expect(sum).toBeGreaterThanOrEqual(0);
      };
    };
    expect(() => expectLinearTime(quadratic, 12_000)).toThrow(/not linear/);
  });
});
