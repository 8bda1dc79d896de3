import { expect } from "bun:test";

/**
 * Checks that work grows linearly with its input by comparing two sizes in
 * the same run, so the result does not depend on how fast the machine is.
 * A fixed wall-clock bound fails on a slow or busy machine, while quadratic
 * growth shows on any machine. `prepare(n)` builds the input for size `n`
 * (not timed) and returns the work to time. The work runs at `size / 8` and
 * at `size`, and each size keeps the fastest of two tries. Linear work takes
 * about 8× as long at the larger size; quadratic work takes about 64×. The
 * check fails above 24× (three times linear, which leaves room for noise),
 * or when the full size takes over `ceilingMs`, which only a pathological
 * case reaches.
 */
export function expectLinearTime(
  prepare: (size: number) => () => void,
  size: number,
  ceilingMs = 5_000,
): void {
  const smallSize = Math.max(1, Math.floor(size / 8));
  const small = fastest(prepare(smallSize));
  const full = fastest(prepare(size));
  expect(full).toBeLessThan(ceilingMs);
  // Under a millisecond, the clock and the garbage collector decide the time. Work that small cannot be
  // quadratic in a way that matters.
  const ratio = full / Math.max(small, 1);
  if (!(ratio < 24)) {
    throw new Error(
      `not linear: size ${smallSize} took ${round(small)} ms, size ${size} took ${round(full)} ms ` +
        `(${round(ratio)}×; linear is about 8×, quadratic 64×)`,
    );
  }
}

/**
 * expectLinearTime for a text conversion: `convert(input(n))` is `output(n)`, and the time it takes grows
 * linearly with `n`.
 */
export function expectLinearConversion(
  convert: (text: string) => string,
  size: number,
  input: (n: number) => string,
  output: (n: number) => string,
): void {
  expectLinearTime((n) => {
    const text = input(n);
    const expected = output(n);
    return () => expect(convert(text)).toBe(expected);
  }, size);
}

function fastest(work: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 2; attempt++) {
    const started = performance.now();
    work();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

const round = (value: number) => Math.round(value * 10) / 10;
