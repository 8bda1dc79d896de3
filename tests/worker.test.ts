import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { waitFor } from "./helpers/harness";
import { type RunningWorker, startWorkerBundle } from "./helpers/worker-bundle";

/**
 * No libSQL server here (tests/email-worker.test.ts runs the Worker against
 * one): the database URL points at a closed port, so `fetch` must still route
 * and the cron's drain must fail cleanly (logged, no crash).
 */
let worker: RunningWorker;

beforeAll(async () => {
  worker = await startWorkerBundle({
    DATABASE_URL: "http://127.0.0.1:9",
    OMNIMAIL_PUBLIC_URL: "https://mail.example.com",
    LOG_LEVEL: "info",
  });
}, 60_000);
afterAll(() => worker?.stop());

describe("Cloudflare Worker", () => {
  test("fetch serves the same Hono app", async () => {
    const health = await worker.mf.dispatchFetch("http://omnimail.test/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });

    const doc = (await (await worker.mf.dispatchFetch("http://omnimail.test/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/v1/webhooks");

    const unauthorized = await worker.mf.dispatchFetch("http://omnimail.test/v1/mailboxes");
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("content-type")).toBe("application/problem+json");
  });

  test("readiness reports the unreachable database as 503, not a crash", async () => {
    const ready = await worker.mf.dispatchFetch("http://omnimail.test/readyz");
    expect(ready.status).toBe(503);
  });

  test("scheduled runs the outbox drain and fails cleanly when the database is unreachable", async () => {
    // Miniflare's Fetcher type omits scheduled(), which its runtime provides.
    const entry = (await worker.mf.getWorker()) as unknown as {
      scheduled(options: { cron: string }): Promise<{ outcome: string }>;
    };
    const result = await entry.scheduled({ cron: "* * * * *" });
    expect(result.outcome).toBe("ok");
    await waitFor(() => (worker.output().includes("outbox drain failed") ? true : undefined));
    expect(worker.output()).toContain('"msg":"outbox drain failed"');
    // The drain got as far as its first query on the outbox.
    expect(worker.output()).toContain("claiming due webhook deliveries failed");
    // The Worker is still serving afterwards.
    expect((await worker.mf.dispatchFetch("http://omnimail.test/healthz")).status).toBe(200);
  });
});
