import { argument } from "./args";
import { quantile } from "./stats";

/**
 * A closed-loop HTTP load client: `concurrency` loops each send a GET, read
 * the whole body, and send the next, until `durationMs` or `max` requests.
 * Bun's fetch keeps connections alive. Run as a child process by the API
 * benchmark so the load does not share an event loop with anything else;
 * prints a JSON `HttpLoadResult` on stdout.
 *
 *   bun tests/bench/http-load.ts --url http://127.0.0.1:8787/v1/... --auth "Bearer …" --concurrency 20 --duration-ms 3000
 */

export interface HttpLoadResult {
  requests: number;
  errors: number;
  elapsedMs: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** The first unexpected status or error, if any. */
  firstError: string | null;
}

export async function runHttpLoad(input: {
  url: string;
  authorization?: string | undefined;
  concurrency: number;
  durationMs: number;
  max: number;
}): Promise<HttpLoadResult> {
  const latencies = new Float64Array(input.max);
  const headers = input.authorization ? { authorization: input.authorization } : undefined;
  let started = 0;
  let done = 0;
  let errors = 0;
  let firstError: string | null = null;
  const begin = performance.now();
  const deadline = begin + input.durationMs;

  const loop = async () => {
    while (started < input.max && performance.now() < deadline && errors < 100) {
      started++;
      const sent = performance.now();
      try {
        const response = await fetch(input.url, { headers, signal: AbortSignal.timeout(10_000) });
        const body = await response.text();
        if (response.status !== 200) {
          errors++;
          firstError ??= `HTTP ${response.status}: ${body.slice(0, 200)}`;
          continue;
        }
        latencies[done++] = performance.now() - sent;
      } catch (error) {
        errors++;
        firstError ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: input.concurrency }, loop));
  const elapsedMs = performance.now() - begin;
  const measured = latencies.subarray(0, done);
  return {
    requests: done,
    errors,
    elapsedMs,
    rps: (done * 1000) / elapsedMs,
    p50Ms: quantile(measured, 0.5),
    p99Ms: quantile(measured, 0.99),
    firstError,
  };
}

if (import.meta.main) {
  const result = await runHttpLoad({
    url: argument("url"),
    authorization: process.argv.includes("--auth") ? argument("auth") : undefined,
    concurrency: Number(argument("concurrency", "20")),
    durationMs: Number(argument("duration-ms", "3000")),
    max: Number(argument("max", "1000000")),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
