import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { tempDir } from "./helpers/harness";

/**
 * The Worker as Cloudflare runs it: built by `wrangler deploy --dry-run` (the
 * same bundle a deploy uploads) and run in workerd through Miniflare. No libSQL
 * server can run here, so the database URL points at a closed port: `fetch`
 * must still route, and the cron's drain must fail cleanly (logged, no crash).
 */
const ROOT = resolve(import.meta.dir, "..");
const outDir = tempDir("omnimail-worker-");
let mf: Miniflare;
let runtimeOutput = "";

beforeAll(async () => {
  const build = Bun.spawn(
    [
      join(ROOT, "node_modules/.bin/wrangler"),
      "deploy",
      "--dry-run",
      "--outdir",
      outDir,
      "-c",
      join(ROOT, "api/wrangler.jsonc"),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const [code, stderr] = await Promise.all([build.exited, new Response(build.stderr).text()]);
  if (code !== 0) throw new Error(`wrangler build failed: ${stderr}`);
  mf = new Miniflare({
    scriptPath: join(outDir, "worker.js"),
    modulesRoot: outDir,
    modules: true,
    compatibilityDate: "2026-04-01",
    bindings: {
      DATABASE_URL: "http://127.0.0.1:9",
      OMNIMAIL_PUBLIC_URL: "https://mail.example.com",
      LOG_LEVEL: "info",
    },
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.on("data", (chunk: Buffer) => {
        runtimeOutput += String(chunk);
      });
      stderr.on("data", (chunk: Buffer) => {
        runtimeOutput += String(chunk);
      });
    },
  });
}, 60_000);
afterAll(async () => {
  await mf?.dispose();
  rmSync(outDir, { recursive: true, force: true });
});

describe("Cloudflare Worker", () => {
  test("fetch serves the same Hono app", async () => {
    const health = await mf.dispatchFetch("http://omnimail.test/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });

    const doc = (await (await mf.dispatchFetch("http://omnimail.test/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/v1/webhooks");

    const unauthorized = await mf.dispatchFetch("http://omnimail.test/v1/mailboxes");
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("content-type")).toBe("application/problem+json");
  });

  test("readiness reports the unreachable database as 503, not a crash", async () => {
    const ready = await mf.dispatchFetch("http://omnimail.test/readyz");
    expect(ready.status).toBe(503);
  });

  test("scheduled runs the outbox drain and fails cleanly when the database is unreachable", async () => {
    // Miniflare's Fetcher type omits scheduled(), which its runtime provides.
    const worker = (await mf.getWorker()) as unknown as {
      scheduled(options: { cron: string }): Promise<{ outcome: string }>;
    };
    const result = await worker.scheduled({ cron: "* * * * *" });
    expect(result.outcome).toBe("ok");
    const deadline = Date.now() + 5000;
    while (!runtimeOutput.includes("outbox drain failed") && Date.now() < deadline) await Bun.sleep(20);
    expect(runtimeOutput).toContain('"msg":"outbox drain failed"');
    // The drain got as far as its first query on the outbox.
    expect(runtimeOutput).toContain("claiming due webhook deliveries failed");
    // The Worker is still serving afterwards.
    expect((await mf.dispatchFetch("http://omnimail.test/healthz")).status).toBe(200);
  });
});
