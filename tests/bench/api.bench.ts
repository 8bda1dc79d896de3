import { type Client, createClient, type InStatement } from "@libsql/client";
import { createDatabase } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import type { HttpLoadResult } from "./http-load";
import { pageStatement, pageStatementBeforeText, summaryColumnsAfterText } from "./list-sql";
import { COMMON_WORD, RARE_WORD } from "./messages";
import { BUN, runToCompletion, sampleProcess } from "./processes";
import { createSeeder } from "./seed";
import { BENCH_API_KEY, callApi, type OmniMailProcess, startBareApi, startOmniMail } from "./servers";
import { median } from "./stats";

/**
 * The API: `GET /v1/mailboxes/{id}/messages?limit=50` (list) and the same with
 * `q=<word>` (full-text search) against OmniMail, a bare Bun.serve +
 * @libsql/client handler running the same SQL on the same database file, and
 * that handler inside a bare Hono app (tests/bench/bare-api.ts). The mailbox is
 * seeded straight into SQL (tests/bench/seed.ts) on a database made by the
 * real migrations. Load: tests/bench/http-load.ts in its own process.
 */

export type ApiTargetName = "omnimail" | "bare-bun" | "bare-hono";
export type ApiQueryName = "list" | "search" | "search-rare";

export const API_QUERIES: Record<ApiQueryName, string> = {
  list: "limit=50",
  search: `limit=50&q=${COMMON_WORD}`,
  "search-rare": `limit=50&q=${RARE_WORD}`,
};

/** A load run and the server's CPU per answered request (utime + stime of its process). */
export type ApiRun = HttpLoadResult & { cpuMicrosPerRequest: number };

export interface ApiComparison {
  size: number;
  query: ApiQueryName;
  runs: Record<ApiTargetName, ApiRun[]>;
}

export interface ScalePoint {
  size: number;
  query: ApiQueryName;
  /** One request at a time: the latency of the query itself. */
  omnimailSerial: HttpLoadResult;
  bareSerial: HttpLoadResult;
  /** Concurrency 20. */
  omnimailLoaded: HttpLoadResult;
  /** The page query alone, in this process, median ms: as OmniMail selects it… */
  sqlMs: number;
  /** …and without the summary columns stored after `text` (no walk of a long text's overflow pages). */
  sqlBeforeTextMs: number;
}

export interface ApiResults {
  comparison: ApiComparison[];
  scale: ScalePoint[];
  concurrency: number;
  seedSeconds: Record<number, number>;
  databaseBytes: Record<number, number>;
  /** The summary columns the `sqlBeforeTextMs` statements leave out (stored after `text`). */
  columnsAfterText: string[];
}

/** Median time of one statement run `times` times on `client`, ms. */
async function timeSql(client: Client, statement: InStatement, times = 30) {
  await client.execute(statement);
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await client.execute(statement);
    samples.push(performance.now() - started);
  }
  return median(samples);
}

/** One load run of tests/bench/http-load.ts (its own process) with the bench key. */
export async function httpLoad(
  url: string,
  concurrency: number,
  durationMs: number,
): Promise<HttpLoadResult> {
  const { stdout, code } = await runToCompletion(
    [
      BUN,
      "tests/bench/http-load.ts",
      "--url",
      url,
      "--auth",
      `Bearer ${BENCH_API_KEY}`,
      "--concurrency",
      String(concurrency),
      "--duration-ms",
      String(durationMs),
    ],
    durationMs + 60_000,
  );
  if (code !== 0) throw new Error(`http-load exited with ${code}`);
  return JSON.parse(stdout) as HttpLoadResult;
}

export async function benchApi(input: {
  dir: string;
  sizes: number[];
  runs: number;
  durationMs: number;
  concurrency: number;
  dnsServer: string;
  log: (line: string) => void;
}): Promise<ApiResults> {
  // The schema from the real migrations, before OmniMail first starts on it.
  const databaseUrl = `file:${input.dir}/api.db`;
  const database = await createDatabase({ url: databaseUrl });
  await migrateDatabase(database);
  database.close();

  const omnimail: OmniMailProcess = await startOmniMail({
    name: "api",
    dir: input.dir,
    dnsServer: input.dnsServer,
  });
  if (omnimail.databaseUrl !== databaseUrl) throw new Error("the API run must use the migrated database");
  const bare = await startBareApi(input.dir, databaseUrl);
  const seedClient = createClient({ url: databaseUrl, timeout: 30_000 });
  // Seeding is setup, not measurement: this connection's commits skip fsync.
  await seedClient.execute("PRAGMA synchronous = OFF");
  try {
    const { data } = await callApi<{ data: Array<{ id: string; address: string }> }>(
      omnimail.apiUrl,
      "/v1/mailboxes",
    );
    const mailbox = data[0];
    if (!mailbox) throw new Error("the default tenant has no mailbox");
    const owner = await seedClient.execute({
      sql: "SELECT tenant_id FROM mailboxes WHERE id = ?",
      args: [mailbox.id],
    });
    const tenantId = String(owner.rows[0]?.[0]);
    const seeder = createSeeder(seedClient, {
      tenantId,
      mailboxId: mailbox.id,
      address: "bench@omnimail.localhost",
      newestAt: Date.now(),
      total: Math.max(...input.sizes),
    });
    const base = {
      omnimail: omnimail.apiUrl,
      "bare-bun": bare.bunUrl,
      "bare-hono": bare.honoUrl,
    } satisfies Record<ApiTargetName, string>;
    const url = (target: ApiTargetName, query: ApiQueryName) =>
      `${base[target]}/v1/mailboxes/${mailbox.id}/messages?${API_QUERIES[query]}`;

    const results: ApiResults = {
      comparison: [],
      scale: [],
      concurrency: input.concurrency,
      seedSeconds: {},
      databaseBytes: {},
      columnsAfterText: summaryColumnsAfterText,
    };
    for (const size of input.sizes) {
      const started = performance.now();
      let reported = seeder.count;
      await seeder.seedTo(size, (count) => {
        if (count - reported >= 100_000) {
          reported = count;
          input.log(`  seeded ${count.toLocaleString("en-US")} messages`);
        }
      });
      await seedClient.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      results.seedSeconds[size] = (performance.now() - started) / 1000;
      const pages = await seedClient.execute(
        "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
      );
      results.databaseBytes[size] = Number(pages.rows[0]?.[0] ?? 0);
      input.log(
        `  ${size.toLocaleString("en-US")} messages seeded in ${results.seedSeconds[size]?.toFixed(1)} s`,
      );

      // Throughput against the baselines at the first size (interleaved runs), after a warm-up (JIT, caches).
      if (size === input.sizes[0]) {
        for (const target of Object.keys(base) as ApiTargetName[]) {
          for (const query of ["list", "search"] as ApiQueryName[])
            await httpLoad(url(target, query), 4, 500);
        }
        for (const query of ["list", "search"] as ApiQueryName[]) {
          const comparison: ApiComparison = {
            size,
            query,
            runs: { omnimail: [], "bare-bun": [], "bare-hono": [] },
          };
          for (let run = 0; run < input.runs; run++) {
            for (const target of Object.keys(base) as ApiTargetName[]) {
              const pid = target === "omnimail" ? omnimail.child.pid : bare.child.pid;
              const before = sampleProcess(pid);
              const result = await httpLoad(url(target, query), input.concurrency, input.durationMs);
              const after = sampleProcess(pid);
              if (result.errors > 0)
                input.log(`  ${target} ${query}: ${result.errors} errors (${result.firstError})`);
              comparison.runs[target].push({
                ...result,
                cpuMicrosPerRequest: (after.cpuMicros - before.cpuMicros) / Math.max(1, result.requests),
              });
            }
          }
          const rps = (target: ApiTargetName) =>
            comparison.runs[target].map((r) => Math.round(r.rps)).join("/");
          const cpu = (target: ApiTargetName) =>
            comparison.runs[target].map((r) => Math.round(r.cpuMicrosPerRequest)).join("/");
          input.log(
            `  ${query}: OmniMail ${rps("omnimail")}, bare Bun ${rps("bare-bun")}, bare Hono ${rps("bare-hono")} req/s; ` +
              `CPU µs/req ${cpu("omnimail")}, ${cpu("bare-bun")}, ${cpu("bare-hono")}`,
          );
          results.comparison.push(comparison);
        }
      }

      // Latency at this size: one request at a time, then under load; each target warmed up first
      // (after seeding, every connection's page cache starts cold).
      const shortMs = Math.max(1000, Math.round(input.durationMs / 2));
      for (const target of ["omnimail", "bare-bun"] as ApiTargetName[]) {
        for (const query of ["list", "search", "search-rare"] as ApiQueryName[]) {
          await httpLoad(url(target, query), 4, 500);
        }
      }
      for (const query of ["list", "search", "search-rare"] as ApiQueryName[]) {
        const q = query === "list" ? null : query === "search" ? COMMON_WORD : RARE_WORD;
        const values = { tenantId, mailboxId: mailbox.id, q, limit: 51 };
        const point: ScalePoint = {
          size,
          query,
          sqlMs: await timeSql(seedClient, pageStatement(values)),
          sqlBeforeTextMs: await timeSql(seedClient, pageStatementBeforeText(values)),
          omnimailSerial: await httpLoad(url("omnimail", query), 1, shortMs),
          bareSerial: await httpLoad(url("bare-bun", query), 1, shortMs),
          omnimailLoaded: await httpLoad(url("omnimail", query), input.concurrency, shortMs),
        };
        input.log(
          `  ${size.toLocaleString("en-US")} ${query}: OmniMail p50 ${point.omnimailSerial.p50Ms.toFixed(2)} / p99 ${point.omnimailSerial.p99Ms.toFixed(2)} ms, ` +
            `bare p99 ${point.bareSerial.p99Ms.toFixed(2)} ms, OmniMail c=${input.concurrency} ${Math.round(point.omnimailLoaded.rps)} req/s`,
        );
        results.scale.push(point);
      }
    }
    return results;
  } finally {
    seedClient.close();
    await bare.child.stop();
    await omnimail.child.stop();
  }
}
