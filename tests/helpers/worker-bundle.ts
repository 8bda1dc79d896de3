import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { tempDir } from "./harness";

/**
 * The Worker as Cloudflare runs it: built by `wrangler deploy --dry-run` (the
 * same bundle a deploy uploads) and run in workerd through Miniflare, with the
 * `/cdn-cgi/handler/*` routes on (scheduled and email events are dispatched
 * the way `wrangler dev` does). Everything the runtime prints is kept in `output`.
 */
const ROOT = resolve(import.meta.dir, "../..");

export interface RunningWorker {
  mf: Miniflare;
  output(): string;
  /** An API request to the Worker at `origin`, with `apiKey` as its Bearer token. */
  fetchApi(origin: string, apiKey: string, path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

export async function startWorkerBundle(bindings: Record<string, string>): Promise<RunningWorker> {
  const outDir = tempDir("omnimail-worker-");
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
  let output = "";
  const mf = new Miniflare({
    scriptPath: join(outDir, "worker.js"),
    modulesRoot: outDir,
    modules: true,
    compatibilityDate: "2026-04-01",
    unsafeTriggerHandlers: true,
    bindings,
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.on("data", (chunk: Buffer) => {
        output += String(chunk);
      });
      stderr.on("data", (chunk: Buffer) => {
        output += String(chunk);
      });
    },
  });
  await mf.ready;
  return {
    mf,
    output: () => output,
    fetchApi: (origin, apiKey, path, init = {}) =>
      mf.dispatchFetch(`${origin}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(init.headers as Record<string, string> | undefined),
        },
      } as never) as unknown as Promise<Response>,
    stop: async () => {
      await mf.dispose();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
