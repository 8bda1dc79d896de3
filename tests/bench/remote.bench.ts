import { createClient } from "@libsql/client";
import { createDatabase } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import { type RemoteDatabase, startRemoteDatabase } from "../helpers/remote-db";
import { API_QUERIES, type ApiQueryName, httpLoad } from "./api.bench";
import type { HttpLoadResult } from "./http-load";
import { measureOnce, type RunMeasure } from "./ingest.bench";
import type { LoadCell, LoadGenerator } from "./load-generator";
import { createSeeder } from "./seed";
import { callApi, startOmniMail } from "./servers";
import { median } from "./stats";
import { benchWebhooks, type WebhookMeasure } from "./webhooks.bench";

/**
 * OmniMail on a remote database (issue 14): the libSQL authors' Hrana test
 * server (tests/helpers/remote-db.ts) behind a proxy that holds every answer
 * for `rttMs`, so each HTTP request @libsql/client makes costs one round trip
 * of `rttMs` between OmniMail and the database. OmniMail runs as `npm start`
 * does (BENCH_SETTINGS) with DATABASE_URL = the proxy, reached through a
 * pass-through that notes answer statuses and request sizes. The same ingest,
 * webhook and API measurements as on the file database, plus what each message
 * or API request cost in database requests, counted at the proxy
 * (`POST /v2/pipeline`), and how many messages each group commit carried.
 * Setup (migrations, the API's seed) goes straight to the server.
 */

/** The loads measured on both databases: 5 KB over reused connections. */
export const REMOTE_INGEST_CELLS: LoadCell[] = [1, 20, 100].map((sessions) => ({
  kind: "5k",
  reuse: true,
  sessions,
}));

export const REMOTE_API_QUERIES: ApiQueryName[] = ["list", "search"];

export interface RemoteIngestRow {
  cell: LoadCell;
  runs: RunMeasure[];
  /** Database requests per accepted message, per run. */
  requestsPerMessage: number[];
  /**
   * Messages per group commit that worked, per run: accepted messages over the
   * write batches that went out whole. Below the session count when a commit
   * gathered fewer than all the waiting messages.
   */
  messagesPerCommit: number[];
  /** Database requests answered with another status than 200 (e.g. 413 for a body over the server's limit), per run. */
  refused: Array<Record<string, number>>;
  /** The largest request body OmniMail sent to the database, bytes, per run. */
  largestRequestBytes: number[];
  /**
   * Groups whose one batch failed (e.g. a request body over the server's limit) and that were committed
   * again message by message, a savepoint each, in one interactive transaction: several round trips per
   * message. Counted by the `SAVEPOINT` statements seen, which the client sends once per transaction, per run.
   */
  isolatedGroups: number[];
}

export interface RemoteApiPoint {
  query: ApiQueryName;
  /** One request at a time, as the file database's c=1 figures. */
  serial: HttpLoadResult;
  requestsPerRequest: number;
}

export interface RemoteResults {
  rttMs: number;
  /** `SELECT 1` through the proxy and straight to the server: p50 ms (the added round trip, checked). */
  selectOneMs: { proxy: number; direct: number };
  runs: number;
  ingest: RemoteIngestRow[];
  /**
   * 5 KB at 20 sessions with no delay added (straight through the proxy): what the
   * test server itself takes, the ceiling of the rows above (absent from older reports).
   */
  ingestWithoutDelay?: RunMeasure[];
  apiSize: number;
  api: RemoteApiPoint[];
  webhookRate: number;
  webhook: (WebhookMeasure & { requestsPerMessage: number }) | null;
}

/**
 * A pass-through in front of the delay proxy that keeps what that proxy does not: the status of each
 * answer and the size of each request body (a server may refuse a large one; the test server's limit is
 * aiohttp's default, 1 MiB).
 */
function startStatusCounter(upstream: string) {
  const refused: Record<string, number> = {};
  let largest = 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    async fetch(request) {
      const body =
        request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
      largest = Math.max(largest, body?.byteLength ?? 0);
      const { pathname, search } = new URL(request.url);
      const answer = await fetch(`${upstream}${pathname}${search}`, {
        method: request.method,
        headers: request.headers,
        body,
        redirect: "manual",
      });
      const payload = await answer.arrayBuffer();
      if (answer.status !== 200) refused[answer.status] = (refused[answer.status] ?? 0) + 1;
      const headers = new Headers(answer.headers);
      headers.delete("content-encoding");
      headers.delete("content-length");
      return new Response(payload, { status: answer.status, headers });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    /** What was counted since the last call, and a fresh count. */
    take() {
      const taken = { refused: { ...refused }, largest };
      for (const status of Object.keys(refused)) delete refused[status];
      largest = 0;
      return taken;
    },
    stop: () => server.stop(true),
  };
}

/** Starts the shared test server, or throws why it cannot (the flag asked for it). */
export async function startRemoteForBench(): Promise<RemoteDatabase> {
  const remote = await startRemoteDatabase({ required: true }).catch((error: unknown) => {
    throw new Error(`--remote-rtt: ${error instanceof Error ? error.message : String(error)}`);
  });
  if (!remote) throw new Error("--remote-rtt: the shared libSQL test server is missing");
  return remote;
}

/** Median ms of `SELECT 1` on a fresh client for `url` (after one warm-up call). */
async function selectOneMs(url: string, times = 20): Promise<number> {
  const client = createClient({ url });
  try {
    await client.execute("SELECT 1");
    const samples: number[] = [];
    for (let i = 0; i < times; i++) {
      const started = performance.now();
      await client.execute("SELECT 1");
      samples.push(performance.now() - started);
    }
    return median(samples);
  } finally {
    client.close();
  }
}

/**
 * The write batches OmniMail sent: a group commit goes out as one batch wrapped in BEGIN IMMEDIATE … COMMIT
 * (the client names each distinct SQL once per request, so this counts requests that wrote).
 */
function countStatements(statements: string[]) {
  let commits = 0;
  let savepoints = 0;
  for (const sql of statements) {
    if (/^BEGIN IMMEDIATE/i.test(sql)) commits++;
    else if (/^SAVEPOINT batch/i.test(sql)) savepoints++;
  }
  return { commits, savepoints };
}

export async function benchRemote(input: {
  remote: RemoteDatabase;
  rttMs: number;
  dir: string;
  generator: LoadGenerator;
  runs: number;
  ingestDurationMs: number;
  /** Load before the first ingest run, as the file database's OmniMail had. */
  warmUpMs: number;
  apiSize: number;
  apiDurationMs: number;
  webhookRate: number;
  webhookDurationMs: number;
  dnsServer: string;
  log: (line: string) => void;
}): Promise<RemoteResults> {
  const { remote, log } = input;
  const proxy = remote.proxy;
  const pipelines = () => proxy.requests["/v2/pipeline"] ?? 0;

  // Setup goes straight to the server; everything OmniMail does goes through the delay.
  proxy.setDelay(0);
  const database = await createDatabase({ url: remote.url });
  await migrateDatabase(database);
  database.close();
  proxy.setDelay(input.rttMs);
  const counter = startStatusCounter(remote.proxyUrl);
  const selectOne = { proxy: await selectOneMs(counter.url), direct: await selectOneMs(remote.url) };
  log(
    `  SELECT 1: ${selectOne.proxy.toFixed(1)} ms through the proxy, ${selectOne.direct.toFixed(1)} ms direct (p50)`,
  );

  let omnimail: Awaited<ReturnType<typeof startOmniMail>>;
  try {
    omnimail = await startOmniMail({
      name: "remote",
      dir: input.dir,
      databaseUrl: counter.url,
      dnsServer: input.dnsServer,
    });
  } catch (error) {
    counter.stop();
    throw error;
  }
  const direct = createClient({ url: remote.url });
  try {
    const results: RemoteResults = {
      rttMs: input.rttMs,
      selectOneMs: selectOne,
      runs: input.runs,
      ingest: [],
      apiSize: input.apiSize,
      api: [],
      webhookRate: input.webhookRate,
      webhook: null,
    };

    // The API first, on a mailbox holding only the seeded messages (as on the file database).
    const { data } = await callApi<{ data: Array<{ id: string }> }>(omnimail.apiUrl, "/v1/mailboxes");
    const mailbox = data[0];
    if (!mailbox) throw new Error("the default tenant has no mailbox");
    const owner = await direct.execute({
      sql: "SELECT tenant_id FROM mailboxes WHERE id = ?",
      args: [mailbox.id],
    });
    const seedStarted = performance.now();
    // The test server takes request bodies up to 1 MiB: 40 messages (~0.5 MB as JSON) per batch.
    await createSeeder(
      direct,
      {
        tenantId: String(owner.rows[0]?.[0]),
        mailboxId: mailbox.id,
        address: "bench@omnimail.localhost",
        newestAt: Date.now(),
        total: input.apiSize,
      },
      { rowsPerCommit: 40 },
    ).seedTo(input.apiSize);
    log(
      `  ${input.apiSize.toLocaleString("en-US")} messages seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s (direct)`,
    );
    const url = (query: ApiQueryName) =>
      `${omnimail.apiUrl}/v1/mailboxes/${mailbox.id}/messages?${API_QUERIES[query]}`;
    for (const query of REMOTE_API_QUERIES) await httpLoad(url(query), 4, 500);
    for (const query of REMOTE_API_QUERIES) {
      proxy.resetCount();
      // At ~RTT per request, one second holds few requests: at least two seconds for a p99.
      const serial = await httpLoad(url(query), 1, Math.max(2000, input.apiDurationMs));
      const point = { query, serial, requestsPerRequest: pipelines() / Math.max(1, serial.requests) };
      if (serial.errors > 0) log(`  ${query}: ${serial.errors} errors (${serial.firstError})`);
      log(
        `  ${query}: p50 ${serial.p50Ms.toFixed(1)} / p99 ${serial.p99Ms.toFixed(1)} ms, ` +
          `${point.requestsPerRequest.toFixed(2)} database requests per request`,
      );
      results.api.push(point);
    }

    // Ingest: warm-up (JIT, the recipient cache), then the runs of each load.
    const target = { name: "omnimail" as const, pid: omnimail.child.pid, port: omnimail.smtpPort };
    await measureOnce(input.generator, target, { kind: "5k", sessions: 20, reuse: true }, input.warmUpMs);
    for (const cell of REMOTE_INGEST_CELLS) {
      const row: RemoteIngestRow = {
        cell,
        runs: [],
        requestsPerMessage: [],
        messagesPerCommit: [],
        refused: [],
        largestRequestBytes: [],
        isolatedGroups: [],
      };
      for (let run = 0; run < input.runs; run++) {
        proxy.resetCount();
        counter.take();
        const measure = await measureOnce(input.generator, target, cell, input.ingestDurationMs);
        const { commits, savepoints } = countStatements(proxy.statements);
        const answers = counter.take();
        row.refused.push(answers.refused);
        row.largestRequestBytes.push(answers.largest);
        row.runs.push(measure);
        row.requestsPerMessage.push(pipelines() / Math.max(1, measure.sent));
        row.messagesPerCommit.push(commits > 0 ? measure.sent / commits : Number.NaN);
        row.isolatedGroups.push(savepoints);
        if (measure.failed > 0) log(`  ${measure.failed} failed (${measure.errors.join("; ")})`);
      }
      log(
        `  5 KB, ${cell.sessions} sess., reuse: ${row.runs.map((run) => Math.round(run.rate)).join("/")} msg/s, ` +
          `${row.requestsPerMessage.map((value) => value.toFixed(2)).join("/")} requests/msg, ` +
          `${row.messagesPerCommit.map((value) => value.toFixed(1)).join("/")} msgs/commit` +
          `, largest request ${row.largestRequestBytes.map((bytes) => (bytes / 1e6).toFixed(2)).join("/")} MB` +
          (row.isolatedGroups.some((count) => count > 0)
            ? `, ${row.isolatedGroups.join("/")} groups committed again message by message`
            : "") +
          (row.refused.some((statuses) => Object.keys(statuses).length > 0)
            ? `, refused: ${row.refused.map((statuses) => JSON.stringify(statuses)).join(" ")}`
            : ""),
      );
      results.ingest.push(row);
    }

    // The same 20 sessions with no delay added: the server's own ceiling (a Python process here;
    // sqld and Turso are not), so the rows above can be read against it as well as against the file.
    proxy.setDelay(0);
    const ceiling: RunMeasure[] = [];
    for (let run = 0; run < input.runs; run++) {
      ceiling.push(
        await measureOnce(
          input.generator,
          target,
          { kind: "5k", sessions: 20, reuse: true },
          input.ingestDurationMs,
        ),
      );
    }
    proxy.setDelay(input.rttMs);
    results.ingestWithoutDelay = ceiling;
    log(
      `  5 KB, 20 sess., reuse, no delay added: ${ceiling.map((run) => Math.round(run.rate)).join("/")} msg/s`,
    );

    proxy.resetCount();
    const [webhook] = await benchWebhooks({
      apiUrl: omnimail.apiUrl,
      smtpPort: omnimail.smtpPort,
      pid: omnimail.child.pid,
      rates: [input.webhookRate],
      durationMs: input.webhookDurationMs,
      // A 250 takes a few round trips here: enough sessions that the rate never waits for one.
      sessions: (rate) => Math.max(4, Math.ceil((rate * (10 * input.rttMs + 100)) / 1000)),
      log,
    });
    if (webhook) {
      results.webhook = { ...webhook, requestsPerMessage: pipelines() / Math.max(1, webhook.sent) };
      log(`  webhooks: ${results.webhook.requestsPerMessage.toFixed(2)} database requests per message`);
    }
    return results;
  } finally {
    direct.close();
    await omnimail.child.stop();
    counter.stop();
  }
}
