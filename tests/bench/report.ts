import type { ApiResults, ApiTargetName, ScalePoint } from "./api.bench";
import type { ComponentCost } from "./components.bench";
import {
  describeCell,
  FIXED_RATE_SHARE,
  type IngestRow,
  type RunMeasure,
  SENDER_AUTH_CELL,
  type SenderAuthRow,
  type SenderAuthScenario,
  type TargetName,
} from "./ingest.bench";
import type { MemoryMeasure } from "./memory.bench";
import type { ProfileResult } from "./profile.bench";
import type { RemoteResults } from "./remote.bench";
import {
  formatMs,
  formatNumber,
  formatRatio,
  formatSpread,
  markdownTable,
  median,
  spreadOf,
  textTable,
} from "./stats";
import type { WebhookMeasure } from "./webhooks.bench";

/** Everything one `npm run bench` measured, and how. */
export interface BenchReport {
  command: string;
  date: string;
  machine: { cpus: number; model: string; memoryBytes: number };
  versions: Record<string, string>;
  tree: string;
  generator: string;
  generatorMeasuresLatency: boolean;
  settings: Record<string, string>;
  runs: number;
  ingestDurationMs: number;
  /** Load given to each SMTP server process before its first measured run (absent from older reports: 1 s). */
  warmUpMs?: number;
  webhookDurationMs: number;
  apiDurationMs: number;
  components: ComponentCost[];
  profile: ProfileResult | null;
  memory: MemoryMeasure | null;
  ingest: IngestRow[];
  /** Ingest by sender-auth setting and DNS scenario (absent from reports made before they were measured). */
  senderAuth?: SenderAuthRow[];
  webhookRates: number[];
  webhooks: WebhookMeasure[];
  api: ApiResults | null;
  /** `--remote-rtt`: OmniMail on a remote libSQL server (absent from runs without the flag). */
  remote?: RemoteResults | null;
  wallSeconds: number;
}

interface Table {
  title: string;
  headers: string[];
  rows: string[][];
  note?: string;
}

const med = (runs: RunMeasure[], pick: (run: RunMeasure) => number) => median(runs.map(pick));

function ingestTable(report: BenchReport): Table {
  return {
    title: "SMTP ingest: OmniMail all-in-one vs a bare smtp-server sink (same load, same run)",
    headers: [
      "load",
      "sink msg/s",
      "OmniMail msg/s",
      "ratio",
      "CPU µs/msg sink | OmniMail",
      "OmniMail cores",
      "RSS MB sink | OmniMail",
      "dot→250 p50/p99 ms sink | OmniMail",
      "box busy sink | OmniMail",
    ],
    rows: report.ingest.map((row) => {
      const sink = row.runs.sink;
      const omni = row.runs.omnimail;
      const ratio = med(omni, (run) => run.rate) / med(sink, (run) => run.rate);
      const latency = (runs: RunMeasure[]) =>
        `${formatMs(med(runs, (run) => run.latencyP50Ms))}/${formatMs(med(runs, (run) => run.latencyP99Ms))}`;
      return [
        describeCell(row.cell),
        formatSpread(spreadOf(sink.map((run) => run.rate))),
        formatSpread(spreadOf(omni.map((run) => run.rate))),
        formatRatio(ratio),
        `${formatNumber(
          med(sink, (run) => run.cpuMicrosPerMessage),
          0,
        )} | ${formatNumber(
          med(omni, (run) => run.cpuMicrosPerMessage),
          0,
        )}`,
        formatNumber(
          med(omni, (run) => run.cores),
          2,
        ),
        `${formatNumber(med(sink, (run) => run.rssBytes) / 1e6, 0)} | ${formatNumber(med(omni, (run) => run.rssBytes) / 1e6, 0)}`,
        report.generatorMeasuresLatency ? `${latency(sink)} | ${latency(omni)}` : "—",
        `${formatNumber(100 * med(sink, (run) => run.machineBusy), 0)} % | ${formatNumber(100 * med(omni, (run) => run.machineBusy), 0)} %`,
      ];
    }),
    note:
      `msg/s: median (min–max) of ${report.runs} runs of ${report.ingestDurationMs / 1000} s, after ${(report.warmUpMs ?? 1000) / 1000} s of unrecorded load on each server (JIT, caches); ratio = OmniMail median / sink median. ` +
      "CPU: utime+stime of the server process per accepted message; cores: its CPU time over wall time; RSS after the run; " +
      "dot→250: final dot written → 250 read by the client (medians of the runs' percentiles); " +
      "box busy: the whole machine's CPU use during the runs (/proc/stat), load generator and neighbours included.",
  };
}

function senderAuthRow(report: BenchReport, scenario: SenderAuthScenario): SenderAuthRow | undefined {
  return report.senderAuth?.find((row) => row.scenario === scenario);
}

function senderAuthTable(report: BenchReport): Table | null {
  const rows = report.senderAuth;
  if (!rows || rows.length === 0) return null;
  const base = senderAuthRow(report, "default");
  const baseRate = base ? med(base.runs, (run) => run.rate) : Number.NaN;
  return {
    title: `Sender authentication: OmniMail by setting and DNS scenario (${describeCell(SENDER_AUTH_CELL)})`,
    headers: [
      "setting or scenario",
      "msg/s",
      "vs default",
      "dot→250 p50/p99 ms",
      "DNS queries/msg",
      "CPU µs/msg",
      "cores",
      "failed",
    ],
    rows: rows.map((row) => [
      row.label,
      formatSpread(spreadOf(row.runs.map((run) => run.rate))) +
        (row.offeredRates ? ` (offered ${formatNumber(median(row.offeredRates), 0)})` : ""),
      row.offeredRates ? "—" : formatRatio(med(row.runs, (run) => run.rate) / baseRate),
      `${formatMs(med(row.runs, (run) => run.latencyP50Ms))}/${formatMs(med(row.runs, (run) => run.latencyP99Ms))}`,
      formatNumber(median(row.dnsQueriesPerMessage), 2),
      formatNumber(
        med(row.runs, (run) => run.cpuMicrosPerMessage),
        0,
      ),
      formatNumber(
        med(row.runs, (run) => run.cores),
        2,
      ),
      String(row.runs.reduce((sum, run) => sum + run.failed, 0)),
    ]),
    note:
      `msg/s: median (min–max) of ${report.runs} runs of ${report.ingestDurationMs / 1000} s, the rows interleaved run by run, ` +
      "always from the Bun client (these rows need dot→250 and a sender per message). Every row but " +
      "`OMNIMAIL_SENDER_AUTH=0` is the default-config OmniMail of the ingest table; that one is a second process " +
      "started with the setting. DNS: the bench's name server on 127.0.0.1 (SPF `v=spf1 ip4:127.0.0.1 -all` and " +
      "DMARC `p=none`, TTL 300 s; the messages carry no DKIM signature but in the DKIM-signed row, whose key the " +
      "name server publishes; unsigned, OmniMail hands mailauth only the header section, since no check reads the " +
      "body); delayed: 1 question in 20 answered after 1 s; " +
      "distinct: message i comes from `sender@d<i>.<run>.distinct.bench.localhost` (envelope and From), so no answer " +
      "is in OmniMail's cache. DNS queries/msg: questions the name server received per accepted message (the cache's " +
      "misses, hedged repeats included). Fixed rate: the same 20 sessions, each message sent at its scheduled " +
      `time (open loop), ${FIXED_RATE_SHARE * 100} % of what the default row reached in the same run, so the ` +
      "server is not saturated and dot→250 shows what one reply waits for rather than the queue in front of it.",
  };
}

function webhookTable(report: BenchReport): Table {
  return {
    title: "Webhooks: 250 received → signed POST received (loopback)",
    headers: [
      "rate",
      "achieved msg/s",
      "delivered",
      "p50 ms",
      "p99 ms",
      "max ms",
      "bad signatures",
      "OmniMail CPU µs/msg",
    ],
    rows: report.webhooks.map((measure, index) => [
      `${report.webhookRates[index] ?? "?"} msg/s for ${report.webhookDurationMs / 1000} s`,
      formatNumber(measure.rate, 0),
      `${measure.delivered}/${measure.sent}`,
      formatMs(measure.p50Ms),
      formatMs(measure.p99Ms),
      formatMs(measure.maxMs),
      String(measure.badSignatures),
      formatNumber(measure.cpuMicrosPerMessage, 0),
    ]),
    note: "Each message sent at its scheduled time over reused connections; every signature verified with the standardwebhooks library.",
  };
}

function apiMedians(api: ApiResults, query: string, target: ApiTargetName) {
  const comparison = api.comparison.find((entry) => entry.query === query);
  const runs = comparison?.runs[target] ?? [];
  return {
    rps: spreadOf(runs.map((run) => run.rps)),
    p99: median(runs.map((run) => run.p99Ms)),
    cpu: median(runs.map((run) => run.cpuMicrosPerRequest)),
  };
}

function apiTable(report: BenchReport): Table | null {
  const api = report.api;
  if (!api) return null;
  return {
    title: `API at concurrency ${api.concurrency}: OmniMail vs bare Bun.serve + @libsql/client vs bare Hono (same SQL, same file)`,
    headers: [
      "request",
      "OmniMail req/s",
      "p99 ms",
      "bare Bun req/s",
      "p99 ms",
      "bare Hono req/s",
      "p99 ms",
      "OmniMail / bare Bun",
      "Hono / bare Bun",
      "CPU µs/req OmniMail | Bun | Hono",
    ],
    rows: api.comparison.map((comparison) => {
      const omni = apiMedians(api, comparison.query, "omnimail");
      const bun = apiMedians(api, comparison.query, "bare-bun");
      const hono = apiMedians(api, comparison.query, "bare-hono");
      return [
        `${comparison.query === "list" ? "list ?limit=50" : "search ?q=<common word>"}, ${comparison.size.toLocaleString("en-US")} msgs`,
        formatSpread(omni.rps),
        formatMs(omni.p99),
        formatSpread(bun.rps),
        formatMs(bun.p99),
        formatSpread(hono.rps),
        formatMs(hono.p99),
        formatRatio(omni.rps.median / bun.rps.median),
        formatRatio(hono.rps.median / bun.rps.median),
        `${formatNumber(omni.cpu, 0)} | ${formatNumber(bun.cpu, 0)} | ${formatNumber(hono.cpu, 0)}`,
      ];
    }),
    note:
      `req/s: median (min–max) of ${report.runs} runs of ${report.apiDurationMs / 1000} s, interleaved; p99: median of the runs' p99; ` +
      "CPU µs/req: the server process's utime + stime per answered request (bare Bun and bare Hono share one process), " +
      "which a noisy neighbour disturbs much less than req/s.",
  };
}

const QUERY_LABEL: Record<string, string> = {
  list: "list",
  search: "search, common word (1 msg in 5)",
  "search-rare": "search, rare word (1 in 1,000)",
};

function scaleTable(report: BenchReport): Table | null {
  const api = report.api;
  if (!api || api.scale.length === 0) return null;
  return {
    title: "List and search latency by mailbox size",
    headers: [
      "messages",
      "request",
      "OmniMail p50/p99 ms (c=1)",
      "bare p50/p99 ms (c=1)",
      `OmniMail req/s, p99 ms (c=${api.concurrency})`,
      "SQL p50 ms: as selected | w/o cols after text",
      "DB size GB",
    ],
    rows: api.scale.map((point: ScalePoint) => [
      point.size.toLocaleString("en-US"),
      QUERY_LABEL[point.query] ?? point.query,
      `${formatMs(point.omnimailSerial.p50Ms)}/${formatMs(point.omnimailSerial.p99Ms)}`,
      `${formatMs(point.bareSerial.p50Ms)}/${formatMs(point.bareSerial.p99Ms)}`,
      `${formatNumber(point.omnimailLoaded.rps, 0)}, ${formatMs(point.omnimailLoaded.p99Ms)}`,
      `${formatMs(point.sqlMs)} | ${formatMs(point.sqlBeforeTextMs)}`,
      formatNumber((api.databaseBytes[point.size] ?? Number.NaN) / 1e9, 2),
    ]),
    note:
      "c=1: one request at a time (the query's own latency); bare = the Bun.serve + @libsql/client handler; " +
      "SQL p50: the page statement run in the runner process, as OmniMail selects it and without " +
      `${api.columnsAfterText.join(", ")}, which the table stores after the message text (a row whose text passes a page ` +
      "keeps them in overflow pages). The raw message is in the blobs table, not in the row.",
  };
}

/** The file database's figures for the rows the remote section measures, from the sections above. */
function fileCounterparts(report: BenchReport, remote: RemoteResults) {
  return {
    ingest: (sessions: number) => ingestRow(report, "5k", sessions, true)?.runs.omnimail ?? [],
    api: (query: string) =>
      report.api?.scale.find((point) => point.size === remote.apiSize && point.query === query)
        ?.omnimailSerial,
    webhook: report.webhooks[report.webhookRates.indexOf(remote.webhookRate)],
  };
}

function remoteTable(report: BenchReport): Table | null {
  const remote = report.remote;
  if (!remote) return null;
  const file = fileCounterparts(report, remote);
  const pair = (p50: number, p99: number) => `${formatMs(p50)}/${formatMs(p99)}`;
  const rows: string[][] = [];
  for (const row of remote.ingest) {
    const fileRuns = file.ingest(row.cell.sessions);
    const isolated = row.isolatedGroups.reduce((sum, count) => sum + count, 0);
    const refused = new Map<string, number>();
    for (const statuses of row.refused)
      for (const [status, count] of Object.entries(statuses))
        refused.set(status, (refused.get(status) ?? 0) + count);
    rows.push([
      `ingest ${describeCell(row.cell)}: msg/s`,
      formatSpread(spreadOf(fileRuns.map((run) => run.rate))),
      formatSpread(spreadOf(row.runs.map((run) => run.rate))),
      formatRatio(med(row.runs, (run) => run.rate) / med(fileRuns, (run) => run.rate)),
      formatNumber(median(row.requestsPerMessage), 2),
      `${formatNumber(median(row.messagesPerCommit), 1)} msgs/commit; largest request ` +
        `${formatNumber(Math.max(...row.largestRequestBytes) / 1e6, 2)} MB` +
        [...refused].map(([status, count]) => `; ${count} answered ${status}`).join("") +
        (isolated > 0 ? `; ${isolated} groups committed again message by message` : ""),
    ]);
    if (report.generatorMeasuresLatency) {
      rows.push([
        "  dot→250 p50/p99 ms",
        pair(
          med(fileRuns, (run) => run.latencyP50Ms),
          med(fileRuns, (run) => run.latencyP99Ms),
        ),
        pair(
          med(row.runs, (run) => run.latencyP50Ms),
          med(row.runs, (run) => run.latencyP99Ms),
        ),
        formatRatio(med(row.runs, (run) => run.latencyP50Ms) / med(fileRuns, (run) => run.latencyP50Ms)),
        "",
        "",
      ]);
    }
    if (row.cell.sessions === 20 && remote.ingestWithoutDelay) {
      const ceiling = remote.ingestWithoutDelay;
      rows.push([
        "  the same, no delay added (the test server's own ceiling): msg/s",
        formatSpread(spreadOf(fileRuns.map((run) => run.rate))),
        formatSpread(spreadOf(ceiling.map((run) => run.rate))),
        formatRatio(median(ceiling.map((run) => run.rate)) / med(fileRuns, (run) => run.rate)),
        "",
        "the 20 ms rows above reach " +
          formatRatio(med(row.runs, (run) => run.rate) / median(ceiling.map((run) => run.rate))) +
          " of this",
      ]);
    }
  }
  for (const point of remote.api) {
    const onFile = file.api(point.query);
    rows.push([
      `API ${QUERY_LABEL[point.query] ?? point.query}, c=1: p50/p99 ms`,
      onFile ? pair(onFile.p50Ms, onFile.p99Ms) : "—",
      pair(point.serial.p50Ms, point.serial.p99Ms),
      formatRatio(point.serial.p50Ms / (onFile?.p50Ms ?? Number.NaN)),
      formatNumber(point.requestsPerRequest, 2),
      `${point.serial.requests} requests${point.serial.errors ? `, ${point.serial.errors} errors` : ""}`,
    ]);
  }
  const hook = remote.webhook;
  if (hook) {
    rows.push([
      `webhook 250 → signed POST, ${remote.webhookRate} msg/s: p50/p99 ms`,
      file.webhook ? pair(file.webhook.p50Ms, file.webhook.p99Ms) : "—",
      pair(hook.p50Ms, hook.p99Ms),
      formatRatio(hook.p50Ms / (file.webhook?.p50Ms ?? Number.NaN)),
      formatNumber(hook.requestsPerMessage, 2),
      `delivered ${hook.delivered}/${hook.sent}${hook.badSignatures ? `, ${hook.badSignatures} bad signatures` : ""}; max ${formatMs(hook.maxMs)} ms`,
    ]);
  }
  return {
    title: `Remote database: libSQL over HTTP with a ${formatNumber(remote.rttMs, 0)} ms round trip vs the file database (same run)`,
    headers: [
      "measure",
      "file:",
      `remote, ${formatNumber(remote.rttMs, 0)} ms RTT`,
      "remote / file",
      "DB requests per msg or req",
      "remote detail",
    ],
    rows,
    note:
      "remote: OmniMail as `npm start` runs it with DATABASE_URL = a proxy in front of the libSQL authors' Hrana test " +
      "server (SQLite with FTS5 in a Python process on this machine; @libsql/client speaks to it over HTTP as to sqld " +
      `and Turso). The proxy holds each answer ${formatNumber(remote.rttMs, 0)} ms, a round trip of that length between ` +
      `OmniMail and the database for every request (SELECT 1 p50: ${formatMs(remote.selectOneMs.proxy)} ms through ` +
      `the proxy, ${formatMs(remote.selectOneMs.direct)} ms direct). file: the same rows from the sections above. ` +
      "Largest request and answered 4xx/5xx: from a pass-through between OmniMail and the proxy (the test server " +
      "refuses bodies over 1 MiB with 413). " +
      `msg/s: median (min–max) of ${remote.runs} runs of ${report.ingestDurationMs / 1000} s; latencies: medians of ` +
      "the runs' percentiles; remote / file: of msg/s, or of p50. DB requests: `POST /v2/pipeline` counted at the " +
      "proxy per accepted message or answered request; msgs/commit: accepted messages per write batch " +
      "(`BEGIN IMMEDIATE … COMMIT`, one request each). API: one request at a time on a mailbox seeded with " +
      `${remote.apiSize.toLocaleString("en-US")} messages (straight to the server), as on the file database.`,
  };
}

function componentTable(report: BenchReport): Table {
  return {
    title: "Cost of the parts, one at a time in the runner process",
    headers: ["part", "CPU µs/op", "wall µs/op", "ops"],
    rows: report.components.map((cost) => [
      cost.name,
      formatNumber(cost.cpuMicros, 0),
      formatNumber(cost.wallMicros, 0),
      String(cost.operations),
    ]),
  };
}

/** What Bun's and the libraries' thread names are. */
const THREAD_LABEL: Array<[RegExp, string]> = [
  [/^bun$/, "main thread (event loop: SMTP, parsing, API)"],
  [/^Worker$/, "JavaScript Workers (the database writer, the parse threads and the sender-auth thread)"],
  [/^JITWorker$/, "JIT compiler"],
  [/^(HeapHelper|.*ollector|mi-scavenger|JSCWarmUp)$/, "GC and allocator"],
  [/^tokio-runtime/, "libSQL runtime threads"],
];

function threadLabel(name: string): string {
  return THREAD_LABEL.find(([pattern]) => pattern.test(name))?.[1] ?? name;
}

/** Median cores per thread group of OmniMail's runs in one load. */
export function threadCores(row: IngestRow): Array<{ label: string; cores: number }> {
  const groups = new Map<string, number[]>();
  row.runs.omnimail.forEach((run, index) => {
    const perRun = new Map<string, number>();
    for (const [name, cores] of Object.entries(run.threads)) {
      const label = threadLabel(name);
      perRun.set(label, (perRun.get(label) ?? 0) + cores);
    }
    for (const [label, cores] of perRun) {
      const list = groups.get(label) ?? Array(index).fill(0);
      list.push(cores);
      groups.set(label, list);
    }
  });
  return [...groups.entries()]
    .map(([label, values]) => ({ label, cores: median(values) }))
    .sort((a, b) => b.cores - a.cores);
}

function threadTable(report: BenchReport): Table | null {
  const loads = report.ingest.filter((row) => row.cell.sessions === 20 && row.cell.reuse);
  if (loads.length === 0) return null;
  const columns = loads.map(threadCores);
  const labels = [...new Set(columns.flatMap((column) => column.map((entry) => entry.label)))];
  return {
    title: "OmniMail's CPU by thread (cores: CPU time over wall time, median of the runs)",
    headers: ["thread", ...loads.map((row) => describeCell(row.cell))],
    rows: labels.map((label) => [
      label,
      ...columns.map((column) => formatNumber(column.find((entry) => entry.label === label)?.cores ?? 0, 2)),
    ]),
    note: "From /proc/<pid>/task/*/stat, grouped by thread name. 2.00 would be both cores of this machine.",
  };
}

function profileTable(report: BenchReport): Table | null {
  const profile = report.profile;
  if (!profile) return null;
  const rows: string[][] = [];
  for (const thread of profile.threads) {
    const total = thread.shares.reduce((sum, share) => sum + share.ms, 0);
    rows.push([
      `${thread.thread}: busy ${formatNumber(100 * thread.busy, 0)} % of the time`,
      "100 %",
      formatNumber((total * 1000) / Math.max(1, profile.messages), 0),
    ]);
    for (const share of thread.shares) {
      rows.push([
        `  ${share.category}`,
        `${formatNumber((100 * share.ms) / Math.max(1, total), 1)} %`,
        formatNumber(share.microsPerMessage, 0),
      ]);
    }
  }
  return {
    title: "Where OmniMail's threads go (CPU profile, 5 KB, 20 sessions, reused connections)",
    headers: ["thread / part", "share", "µs/msg"],
    rows,
    note:
      `A separate OmniMail run with Bun's sampling profiler (--cpu-prof, 1 ms): ${profile.messages} messages in ` +
      `${formatNumber(profile.windowMs / 1000, 1)} s. Bun profiles the main JavaScript thread. Samples are taken while it runs, native calls included, so a ` +
      "commit blocked in fsync counts as SQLite time; each sample goes to the first frame up its stack that names a package.",
  };
}

function memoryTable(report: BenchReport): Table | null {
  const memory = report.memory;
  if (!memory) return null;
  const growth = memory.largePeakRssBytes - memory.largeRssBeforeBytes;
  return {
    title: "Memory (fresh OmniMail process)",
    headers: ["check", "RSS MB", "detail"],
    rows: [
      ["fresh, idle", formatNumber(memory.baselineRssBytes / 1e6, 0), ""],
      [
        `${memory.idleConnections} idle SMTP connections`,
        formatNumber(memory.idleRssBytes / 1e6, 0),
        `${memory.idleGreeted} greeted; +${formatNumber((memory.idleRssBytes - memory.baselineRssBytes) / 1e3 / Math.max(1, memory.idleGreeted), 0)} KB each`,
      ],
      [
        `one ${formatNumber(memory.largeMessageBytes / 1e6, 0)} MB message (peak)`,
        formatNumber(memory.largePeakRssBytes / 1e6, 0),
        `${memory.largeAccepted ? "stored" : "NOT stored"}; peak − before = ${formatNumber(growth / 1e6, 0)} MB = ${formatRatio(growth / memory.largeMessageBytes)} the message${memory.peakResetWorked ? "" : " (VmHWM not reset: lifetime peak)"}`,
      ],
      ...(memory.concurrent ? [concurrentRow(memory.concurrent)] : []),
    ],
  };
}

function concurrentRow(concurrent: NonNullable<BenchReport["memory"]>["concurrent"]): string[] {
  return [
    `${concurrent.senders} × ${formatNumber(concurrent.messageBytes / 1e6, 0)} MB messages at once (peak)`,
    formatNumber(concurrent.peakRssBytes / 1e6, 0),
    `${concurrent.stored}/${concurrent.senders} stored after ${concurrent.retried452} × 452 retried (each sender retries after 200 ms); copies per message ${concurrent.copiesPerMessage.min}–${concurrent.copiesPerMessage.max}; ${formatNumber(concurrent.seconds, 1)} s; process ${concurrent.processUp ? "up" : "DOWN"}`,
  ];
}

export function tables(report: BenchReport): Table[] {
  return [
    ingestTable(report),
    senderAuthTable(report),
    webhookTable(report),
    apiTable(report),
    scaleTable(report),
    remoteTable(report),
    memoryTable(report),
    threadTable(report),
    profileTable(report),
    componentTable(report),
  ].filter((table): table is Table => table !== null);
}

/** The Goals table, as BENCHMARKS.md has it (so a `--no-write` run shows the verdicts too). */
function goalTable(report: BenchReport): Table {
  return {
    title: "Goals",
    headers: ["issue", "goal", "measured", "measured / goal", "verdict"],
    rows: goals(report).map((goal) => [
      goal.issue,
      goal.goal,
      goal.measured,
      Number.isFinite(goal.ratio) ? formatRatio(goal.ratio) : "—",
      verdict(goal),
    ]),
    note: "measured / goal is oriented so that 1× or more meets the goal.",
  };
}

export function renderText(report: BenchReport): string {
  return [goalTable(report), ...tables(report)]
    .map(
      (table) =>
        `${table.title}\n\n${textTable(table.headers, table.rows)}${table.note ? `\n${table.note}` : ""}`,
    )
    .join("\n\n");
}

/** A goal of issue 8 or 5, judged on this run. */
interface Goal {
  issue: string;
  goal: string;
  measured: string;
  /** measured / goal, oriented so that ≥ 1 means met. */
  ratio: number;
  met: boolean | null;
}

function ingestRow(report: BenchReport, kind: "5k" | "100k", sessions: number, reuse: boolean) {
  return report.ingest.find(
    (row) => row.cell.kind === kind && row.cell.sessions === sessions && row.cell.reuse === reuse,
  );
}

function rateOf(row: IngestRow | undefined, target: TargetName): number {
  return row ? med(row.runs[target], (run) => run.rate) : Number.NaN;
}

export function goals(report: BenchReport): Goal[] {
  const list: Goal[] = [];
  const judge = (issue: string, goal: string, measured: string, ratio: number): Goal => ({
    issue,
    goal,
    measured,
    ratio,
    met: Number.isFinite(ratio) ? ratio >= 1 : null,
  });

  const reuse20 = ingestRow(report, "5k", 20, true);
  const ingestRatio = rateOf(reuse20, "omnimail") / rateOf(reuse20, "sink");
  const authOn = report.settings.OMNIMAIL_SENDER_AUTH !== "0";
  list.push(
    judge(
      authOn ? "#8, #12" : "#8",
      `full ingest${authOn ? " (default config, sender auth on)" : ""}, 5 KB, 20 sessions: ≥ 0.17× the bare sink`,
      `${formatRatio(ingestRatio)} (${formatNumber(rateOf(reuse20, "omnimail"), 0)} vs ${formatNumber(rateOf(reuse20, "sink"), 0)} msg/s)`,
      ingestRatio / 0.17,
    ),
  );
  const perMessage = rateOf(ingestRow(report, "5k", 100, false), "omnimail");
  list.push(
    judge(
      "#8",
      "one connection per message, 100 sessions: ≥ 1,000 msg/s",
      `${formatNumber(perMessage, 0)} msg/s`,
      perMessage / 1000,
    ),
  );
  const authDefault = senderAuthRow(report, "default");
  const authOff = senderAuthRow(report, "auth-off");
  if (authDefault && authOff) {
    const on = med(authDefault.runs, (run) => run.rate);
    const off = med(authOff.runs, (run) => run.rate);
    list.push(
      judge(
        "#12",
        "default-config ingest, 5 KB, 20 sessions: ≥ 0.9× the `OMNIMAIL_SENDER_AUTH=0` figure",
        `${formatRatio(on / off)} (${formatNumber(on, 0)} vs ${formatNumber(off, 0)} msg/s)`,
        on / off / 0.9,
      ),
    );
  }
  const slow = senderAuthRow(report, "slow-dns");
  const distinctSlow = senderAuthRow(report, "distinct-slow-dns");
  if (slow) {
    const p99Of = (row: SenderAuthRow | undefined) =>
      row ? med(row.runs, (run) => run.latencyP99Ms) : Number.NaN;
    const queries = (row: SenderAuthRow) => formatNumber(median(row.dnsQueriesPerMessage), 2);
    // With one sender domain the cache answers nearly every question, so few answers are there to delay:
    // the goal is judged on the worse of that row and the one with a distinct sender domain per message.
    const worst = Math.max(p99Of(slow), distinctSlow ? p99Of(distinctSlow) : Number.NEGATIVE_INFINITY);
    list.push(
      judge(
        "#12",
        "dot→250 p99 < 50 ms at 20 sessions with 5 % of DNS answers delayed by 1 s (worse of one sender domain / a distinct one per message)",
        `${formatMs(p99Of(slow))} ms (one domain, ${queries(slow)} DNS queries/msg)` +
          (distinctSlow
            ? `; ${formatMs(p99Of(distinctSlow))} ms (distinct domains, ${queries(distinctSlow)} queries/msg)`
            : ""),
        50 / worst,
      ),
    );
  }
  const belowSaturation = senderAuthRow(report, "distinct-slow-dns-fixed-rate");
  const offBelowSaturation = senderAuthRow(report, "auth-off-fixed-rate");
  if (belowSaturation?.offeredRates) {
    const p99 = med(belowSaturation.runs, (run) => run.latencyP99Ms);
    const offP99 = offBelowSaturation ? med(offBelowSaturation.runs, (run) => run.latencyP99Ms) : Number.NaN;
    list.push(
      judge(
        "#12",
        `the same, below saturation: a distinct sender domain per message, 5 % of DNS answers delayed by 1 s, 20 sessions at a fixed ${FIXED_RATE_SHARE * 100} % of the default row's rate`,
        `${formatMs(p99)} ms at ${formatNumber(median(belowSaturation.offeredRates), 0)} msg/s offered` +
          (offBelowSaturation ? ` (\`OMNIMAIL_SENDER_AUTH=0\` at that rate: ${formatMs(offP99)} ms)` : ""),
        50 / p99,
      ),
    );
  }

  const at50 = report.webhooks[report.webhookRates.indexOf(50)];
  const p99 = at50?.p99Ms ?? Number.NaN;
  list.push(judge("#8", "webhook p99 < 10 ms at 50 msg/s", `${formatMs(p99)} ms`, 10 / p99));
  list.push(judge("#5", "webhook p99 < 50 ms at 50 msg/s", `${formatMs(p99)} ms`, 50 / p99));
  const at500 = report.webhooks[report.webhookRates.indexOf(500)];
  if (at500) {
    const share = at500.delivered / Math.max(1, at500.sent);
    list.push(
      judge(
        "#12",
        "webhooks at 500 msg/s offered: ≥ 99 % delivered, p99 from 250 to verified POST < 1 s",
        `${formatNumber(100 * share, 1)} % delivered, p99 ${formatMs(at500.p99Ms)} ms`,
        share >= 0.99 ? 1000 / at500.p99Ms : 0,
      ),
    );
  }

  const api = report.api;
  if (api) {
    const omni = apiMedians(api, "list", "omnimail").rps.median;
    const bare = apiMedians(api, "list", "bare-bun").rps.median;
    list.push(
      judge(
        "#8",
        "GET …/messages ≥ 90 % of bare Bun.serve + libSQL",
        `${formatNumber((100 * omni) / bare, 0)} % (${formatNumber(omni, 0)} vs ${formatNumber(bare, 0)} req/s)`,
        omni / bare / 0.9,
      ),
    );
    const largest = Math.max(...api.scale.map((point) => point.size));
    const at = (query: string) => api.scale.find((point) => point.size === largest && point.query === query);
    const sizeNote = largest >= 1_000_000 ? "" : ` at ${largest.toLocaleString("en-US")} (1M needs --scale)`;
    const listP99 = at("list")?.omnimailSerial.p99Ms ?? Number.NaN;
    const searchP99 = Math.max(
      at("search")?.omnimailSerial.p99Ms ?? Number.NaN,
      at("search-rare")?.omnimailSerial.p99Ms ?? Number.NaN,
    );
    const scaleGoal = (goal: string, measured: number, limit: number): Goal => {
      const entry = judge("#8", goal, `${formatMs(measured)} ms${sizeNote}`, limit / measured);
      return largest >= 1_000_000 ? entry : { ...entry, met: null };
    };
    list.push(scaleGoal("list p99 < 5 ms at 1M messages", listP99, 5));
    list.push(
      scaleGoal("full-text search p99 < 20 ms at 1M messages (worst of common/rare word)", searchP99, 20),
    );
  }

  const remote = report.remote;
  if (remote) {
    const file = fileCounterparts(report, remote);
    const rtt = remote.rttMs;
    // The issue sets these goals at a 20 ms round trip; at another one they are shown, not judged.
    const atRtt = (goal: Goal): Goal => (rtt === 20 ? goal : { ...goal, met: null });
    const suffix = rtt === 20 ? "" : ` (run at ${formatNumber(rtt, 0)} ms; the goals are set at 20 ms)`;
    const remote20 = remote.ingest.find((row) => row.cell.sessions === 20);
    const remoteRate = remote20 ? med(remote20.runs, (run) => run.rate) : Number.NaN;
    const fileRate = median(file.ingest(20).map((run) => run.rate));
    list.push(
      atRtt(
        judge(
          "#14",
          "remote database, 20 ms RTT: ingest 5 KB, 20 sessions ≥ 0.5× the file: figure",
          `${formatRatio(remoteRate / fileRate)} (${formatNumber(remoteRate, 0)} vs ${formatNumber(fileRate, 0)} msg/s)` +
            (remote.ingestWithoutDelay
              ? `; the test server itself, no delay added: ${formatNumber(median(remote.ingestWithoutDelay.map((run) => run.rate)), 0)} msg/s ` +
                `(${formatRatio(median(remote.ingestWithoutDelay.map((run) => run.rate)) / fileRate)} the file figure)`
              : "") +
            suffix,
          remoteRate / fileRate / 0.5,
        ),
      ),
    );
    const listP50 = remote.api.find((point) => point.query === "list")?.serial.p50Ms ?? Number.NaN;
    list.push(
      atRtt(
        judge(
          "#14",
          "remote database, 20 ms RTT: API list p50 ≤ RTT + 10 ms",
          `${formatMs(listP50)} ms${suffix}`,
          (rtt + 10) / listP50,
        ),
      ),
    );
    const hook = remote.webhook;
    const hookP99 = hook?.p99Ms ?? Number.NaN;
    const hookGoal = judge(
      "#14",
      `remote database, 20 ms RTT: webhook p99 < 3 × RTT + 50 ms at ${remote.webhookRate} msg/s`,
      `${formatMs(hookP99)} ms${hook && hook.delivered < hook.sent ? ` (${hook.delivered}/${hook.sent} delivered)` : ""}${suffix}`,
      (3 * rtt + 50) / hookP99,
    );
    // Undelivered webhooks are not in the percentiles: the goal is not met however fast the rest came.
    list.push(atRtt(hook && hook.delivered < hook.sent ? { ...hookGoal, met: false } : hookGoal));
  }

  const memory = report.memory;
  if (memory) {
    const growth = (memory.largePeakRssBytes - memory.largeRssBeforeBytes) / memory.largeMessageBytes;
    list.push(
      judge(
        "#8",
        "a 25 MB message takes at most a few (≤ 4) times its size in RSS",
        `${formatRatio(growth)} its size`,
        memory.largeAccepted ? 4 / growth : Number.NaN,
      ),
    );
    list.push(
      judge(
        "#12",
        "one 25 MB message peaks at ≤ 3× its size",
        `${formatRatio(growth)} its size`,
        memory.largeAccepted ? 3 / growth : Number.NaN,
      ),
    );
    const concurrent = memory.concurrent;
    if (concurrent) {
      const exact =
        concurrent.stored === concurrent.senders &&
        concurrent.copiesPerMessage.min === 1 &&
        concurrent.copiesPerMessage.max === 1 &&
        concurrent.processUp;
      list.push(
        judge(
          "#12",
          `${concurrent.senders} concurrent ${formatNumber(concurrent.messageBytes / 1e6, 0)} MB messages: RSS ≤ 512 MB, each stored exactly once after 452 retries, process up`,
          `${formatNumber(concurrent.peakRssBytes / 1e6, 0)} MB; ${concurrent.stored}/${concurrent.senders} stored, ${concurrent.copiesPerMessage.min}–${concurrent.copiesPerMessage.max} copies`,
          exact ? 512e6 / concurrent.peakRssBytes : 0,
        ),
      );
    }
    list.push(
      judge(
        "#8",
        "1,000 idle connections: RSS < 200 MB",
        `${formatNumber(memory.idleRssBytes / 1e6, 0)} MB (${memory.idleGreeted} greeted)`,
        memory.idleGreeted >= memory.idleConnections ? 200e6 / memory.idleRssBytes : Number.NaN,
      ),
    );
  }
  return list;
}

/** What sender authentication costs, from its table: throughput against the setting off, tail under slow DNS. */
function senderAuthAnalysis(report: BenchReport): string | null {
  const on = senderAuthRow(report, "default");
  const off = senderAuthRow(report, "auth-off");
  if (!on || !off) return null;
  const rate = (row: SenderAuthRow) => med(row.runs, (run) => run.rate);
  const cpu = (row: SenderAuthRow) => med(row.runs, (run) => run.cpuMicrosPerMessage);
  const p = (row: SenderAuthRow) =>
    `${formatMs(med(row.runs, (run) => run.latencyP50Ms))}/${formatMs(med(row.runs, (run) => run.latencyP99Ms))} ms`;
  const queries = (row: SenderAuthRow) => formatNumber(median(row.dnsQueriesPerMessage), 2);
  const parts = [
    `- **Sender authentication.** With the checks on, OmniMail made ${formatNumber(rate(on), 0)} msg/s ` +
      `(${formatRatio(rate(on) / rate(off))} of ${formatNumber(rate(off), 0)} with \`OMNIMAIL_SENDER_AUTH=0\`), ` +
      `${formatNumber(cpu(on), 0)} µs of CPU per message against ${formatNumber(cpu(off), 0)}; dot→250 p50/p99 ` +
      `${p(on)} against ${p(off)}. From one sender domain its DNS cache answers nearly everything ` +
      `(${queries(on)} queries per message reached the name server).`,
  ];
  const distinct = senderAuthRow(report, "distinct");
  if (distinct)
    parts.push(
      `With a distinct sender domain per message (${queries(distinct)} queries per message, none cached) it made ` +
        `${formatNumber(rate(distinct), 0)} msg/s, dot→250 ${p(distinct)}.`,
    );
  const slow = senderAuthRow(report, "slow-dns");
  const distinctSlow = senderAuthRow(report, "distinct-slow-dns");
  if (slow && distinctSlow)
    parts.push(
      `With 1 DNS answer in 20 held for 1 s, dot→250 was ${p(slow)} from one domain and ${p(distinctSlow)} with ` +
        "a distinct domain per message: the checks run before the 250 (they are part of the reply path), so a " +
        "message whose question is held waits for the DNS client's hedged second query (sent after three times " +
        "the 90th percentile of the recent answer times, 10–150 ms) or the held answer, whichever comes first, and " +
        "its session sends nothing meanwhile.",
    );
  const fixed = senderAuthRow(report, "distinct-slow-dns-fixed-rate");
  const offFixed = senderAuthRow(report, "auth-off-fixed-rate");
  if (fixed?.offeredRates && offFixed)
    parts.push(
      `At a fixed ${formatNumber(median(fixed.offeredRates), 0)} msg/s (${FIXED_RATE_SHARE * 100} % of the default ` +
        `row, open loop) the same distinct domains with held answers gave dot→250 ${p(fixed)}, against ${p(offFixed)} ` +
        "with the checks off at that rate: at saturation most of the p99 is the queue in front of each message, " +
        "with or without the checks.",
    );
  return parts.join(" ");
}

function verdict(goal: Goal): string {
  if (goal.met === null) return "not measured";
  return goal.met ? "**met**" : "**not met**";
}

function analysis(report: BenchReport): string[] {
  const lines: string[] = [];
  const row = ingestRow(report, "5k", 20, true);
  const component = (prefix: string) => report.components.find((cost) => cost.name.startsWith(prefix));
  const parse = component("postal-mime parse, 5");
  const store = component("store 5 KB");
  const plain = component("SQLite commit, plain SQL: 5 KB message blob + row only");
  const withFts = component("SQLite commit, plain SQL: 5 KB message blob + row + FTS5");
  const fsync = component("write 4 KB + fsync");
  if (row && parse && store && plain && withFts) {
    const sinkCpu = med(row.runs.sink, (run) => run.cpuMicrosPerMessage);
    const omniCpu = med(row.runs.omnimail, (run) => run.cpuMicrosPerMessage);
    const cores = med(row.runs.omnimail, (run) => run.cores);
    lines.push(
      `- **Ingest CPU (5 KB, 20 sessions).** OmniMail used ${formatNumber(omniCpu, 0)} µs of CPU per message, the bare sink ` +
        `${formatNumber(sinkCpu, 0)} µs (the SMTP protocol alone). Measured one at a time: postal-mime parses the message in ` +
        `${formatNumber(parse.cpuMicros, 0)} µs; OmniMail's store (core ingestMessage: blob, message, FTS5 and outbox rows, one commit) takes ` +
        `${formatNumber(store.cpuMicros, 0)} µs CPU and ${formatNumber(store.wallMicros, 0)} µs wall; the same commit in plain SQL ` +
        `(blob and message row) takes ${formatNumber(plain.wallMicros, 0)} µs wall without the FTS5 row and ${formatNumber(withFts.wallMicros, 0)} µs with it, ` +
        `so indexing on the reply path costs ~${formatNumber(withFts.wallMicros - plain.wallMicros, 0)} µs per message. ` +
        "The rest is OmniMail's other per-message work (lookups, the outbox, the drain, the log line; see the profile) " +
        "and the system time of every lock, write and fsync" +
        (fsync
          ? ` (one 4 KB write + fsync takes ${formatNumber(fsync.wallMicros, 0)} µs on this disk).`
          : "."),
    );
    const threads = threadCores(row);
    const mainCores = threads.find((entry) => entry.label.startsWith("main thread"))?.cores ?? Number.NaN;
    const workerCores = threads.find((entry) => entry.label.startsWith("JavaScript Worker"))?.cores;
    const latencyP50 = med(row.runs.omnimail, (run) => run.latencyP50Ms);
    const split = threads
      .filter((entry) => entry.cores >= 0.02)
      .map((entry) => `${entry.label} ${formatNumber(entry.cores, 2)}`)
      .join(", ");
    const machineBusy = med(row.runs.omnimail, (run) => run.machineBusy);
    const bound =
      machineBusy >= 0.9
        ? `the machine itself was ${formatNumber(100 * machineBusy, 0)} % busy (OmniMail, the load generator and anything else ` +
          "on the box share two cores), so CPU is the limit and any CPU saved per message is throughput"
        : mainCores >= 0.85
          ? "the event loop is saturated: it is the bottleneck, and everything on it (see the profile) is on the reply path"
          : workerCores !== undefined && workerCores >= 1.7
            ? "the Worker threads (writer, parse, sender auth) take both cores: their work is the bottleneck"
            : `no thread is saturated (the box was ${formatNumber(100 * machineBusy, 0)} % busy), so the limit is latency: ` +
              `a reply comes ${formatMs(latencyP50)} ms (p50) after the final dot, as each message queues on the event loop, ` +
              "then for the database write, then on the event loop again, and 20 sessions × one message per " +
              `${formatMs(latencyP50)} ms is ~${formatNumber((20 * 1000) / latencyP50, 0)} msg/s. Less work per message on ` +
              "each of those steps shortens it";
    lines.push(
      `- **Threads.** During that load the OmniMail process used ${formatNumber(cores, 2)} cores: ${split}. So ${bound}. ` +
        (workerCores !== undefined
          ? "(Lookups run synchronously on the event loop through @libsql/client's local driver; every write goes through " +
            "the Store to the writer thread, a Worker that group-commits through one native libsql connection keeping each " +
            "statement prepared; each message is parsed and its sender checked in other Workers.)"
          : "(@libsql/client's local driver runs every statement synchronously on the event loop: every lookup, commit and fsync.)"),
    );
  }
  const main = report.profile?.threads.find((thread) => thread.thread === "main thread");
  if (main) {
    const total = main.shares.reduce((sum, share) => sum + share.ms, 0);
    const top = main.shares
      .slice(0, 4)
      .map((share) => `${share.category} ${formatNumber((100 * share.ms) / total, 0)} %`)
      .join(", ");
    const workers = (report.profile?.threads.length ?? 1) - 1;
    lines.push(
      `- **Profile.** Under that load the main thread was busy ${formatNumber(100 * main.busy, 0)} % of the time; ` +
        `its biggest parts: ${top}.` +
        (workers > 0 ? ` ${workers} worker thread(s) ran beside it (table below).` : ""),
    );
  }
  const perMessage = ingestRow(report, "5k", 100, false);
  const single = ingestRow(report, "5k", 1, false);
  if (perMessage && single) {
    const connectionMs = (target: TargetName) => 1000 / rateOf(single, target);
    lines.push(
      `- **Connection per message.** With one session a new connection per message takes ${formatMs(connectionMs("sink"))} ms ` +
        `at the sink (smtp-server's fixed ~100 ms early-talker wait before the greeting) and ${formatMs(connectionMs("omnimail"))} ms ` +
        "at OmniMail (its own greeting delay plus the message). That wait bounds 100 sessions to about " +
        `${formatNumber((100 * 1000) / connectionMs("sink"), 0)} connections/s at the sink and ` +
        `${formatNumber((100 * 1000) / connectionMs("omnimail"), 0)}/s at OmniMail; at 100 sessions OmniMail made ` +
        `${formatNumber(rateOf(perMessage, "omnimail"), 0)} msg/s, so ${rateOf(perMessage, "omnimail") < 0.8 * ((100 * 1000) / connectionMs("omnimail")) ? "its ingest, not the greeting, is the limit" : "the greeting delay is the limit"}.`,
    );
  }
  const at50 = report.webhooks[report.webhookRates.indexOf(50)];
  const at500 = report.webhooks[report.webhookRates.indexOf(500)];
  if (at50) {
    lines.push(
      `- **Webhooks.** At 50 msg/s a webhook arrives ${formatMs(at50.p50Ms)} ms (p50) / ${formatMs(at50.p99Ms)} ms (p99) after the 250` +
        (at500 ? `; at 500 msg/s ${formatMs(at500.p50Ms)} / ${formatMs(at500.p99Ms)} ms` : "") +
        ". Each commit that queued a delivery wakes the drain (one run at a time; a wake during a run makes it claim " +
        "again at once): a read for due rows, then one claiming `UPDATE … RETURNING` (with the endpoint's URL and secret) " +
        "for as many rows as it has free send slots, at most 8 sends in flight per endpoint; per row the HMAC, a node:http POST, " +
        "then one write per attempt (attempt row + delivery update). Claims and records are writes through the Store, so " +
        "they queue at the writer thread beside the ingest's commits." +
        (at500 && at500.p50Ms > 100
          ? ` At the higher rate the drain fell behind: deliveries queued (p50 ${formatMs(at500.p50Ms)} ms), so its ` +
            "throughput, not its latency, is the limit there: with one endpoint, at most 8 POSTs are in flight, and each " +
            "needs its claim and its record committed."
          : "") +
        (at500 && row
          ? ` With an endpoint, OmniMail's CPU per message was ${formatNumber(at500.cpuMicrosPerMessage, 0)} µs at the ` +
            `500 msg/s target${at500.rate < 0.95 * 500 ? `, which it reached only ${formatNumber(at500.rate, 0)} msg/s of` : ""}, against ` +
            `${formatNumber(
              med(row.runs.omnimail, (run) => run.cpuMicrosPerMessage),
              0,
            )} µs per message for ingest alone ` +
            "(5 KB, 20 sessions): the outbox row, the claim and the per-attempt record are each a write on the same database."
          : ""),
    );
  }
  const api = report.api;
  if (api) {
    const omni = apiMedians(api, "list", "omnimail").rps.median;
    const bare = apiMedians(api, "list", "bare-bun").rps.median;
    const hono = apiMedians(api, "list", "bare-hono").rps.median;
    const omniCpu = apiMedians(api, "list", "omnimail").cpu;
    const bareCpu = apiMedians(api, "list", "bare-bun").cpu;
    const honoCpu = apiMedians(api, "list", "bare-hono").cpu;
    const searchOmniCpu = apiMedians(api, "search", "omnimail").cpu;
    const searchBareCpu = apiMedians(api, "search", "bare-bun").cpu;
    lines.push(
      `- **API.** The list route serves ${formatNumber((100 * omni) / bare, 0)} % of the bare handler's req/s (bare Hono ` +
        `${formatNumber((100 * hono) / bare, 0)} %) and spends ${formatNumber(omniCpu, 0)} µs of CPU per request against the ` +
        `bare handler's ${formatNumber(bareCpu, 0)} µs (bare Hono ${formatNumber(honoCpu, 0)} µs); the search route spends ` +
        `${formatNumber(searchOmniCpu, 0)} µs against ${formatNumber(searchBareCpu, 0)} µs. The bare handler runs the same two statements ` +
        "(key by hash; mailbox check and page, the page one JSON value) and returns the rows as they are; OmniMail adds the OpenAPI/zod validation, " +
        "middleware (request id, metrics, auth), building the statement with drizzle, the rows' mapping and the JSON shaping of each summary, all CPU on " +
        "the one thread that also runs SQLite.",
    );
    const largest = Math.max(...api.scale.map((point) => point.size));
    const common = api.scale.find((point) => point.size === largest && point.query === "search");
    const list = api.scale.find((point) => point.size === largest && point.query === "list");
    const rare = api.scale.find((point) => point.size === largest && point.query === "search-rare");
    if (common && list && rare) {
      lines.push(
        `- **List and search SQL.** At ${largest.toLocaleString("en-US")} messages the page statement alone takes ` +
          `${formatMs(list.sqlMs)} ms for a list, ${formatMs(common.sqlMs)} ms for a word in 1 message in 5 and ` +
          `${formatMs(rare.sqlMs)} ms for a word in 1 in 1,000. The search filter is ` +
          "an FTS5 `MATCH` that carries the mailbox as a term of the query, joined to messages and ordered by the FTS " +
          "rowid (commit order) newest first: the index hands back this mailbox's matches in order and the LIMIT stops " +
          "the walk after 50, so neither a common word nor other tenants' matches are read in full. The raw message is " +
          "in the blobs table, so a page never reads it; " +
          "without the summary columns the table stores after the message text " +
          `(${api.columnsAfterText.join(", ")}) the list statement takes ${formatMs(list.sqlBeforeTextMs)} ms` +
          (list.sqlBeforeTextMs < 0.85 * list.sqlMs
            ? ": a row whose text passes a page keeps them in overflow pages, and reading them walks those."
            : "; the overflow pages of long texts those columns sit behind were in SQLite's cache here, so they cost little."),
      );
    }
  }
  const remote = report.remote;
  if (remote) {
    const at = (sessions: number) => remote.ingest.find((entry) => entry.cell.sessions === sessions);
    const perCommit = (sessions: number) => formatNumber(median(at(sessions)?.messagesPerCommit ?? []), 1);
    const requests = (sessions: number) => formatNumber(median(at(sessions)?.requestsPerMessage ?? []), 2);
    const single = at(1);
    const list = remote.api.find((point) => point.query === "list");
    lines.push(
      `- **Remote database (${formatNumber(remote.rttMs, 0)} ms round trip).** Every request to the database waits ` +
        `one round trip, so what counts is requests per operation. One session: ${requests(1)} requests per message ` +
        `(dot→250 p50 ${formatMs(single ? med(single.runs, (run) => run.latencyP50Ms) : Number.NaN)} ms). ` +
        `Group commit gathered ${perCommit(20)} messages per commit at 20 sessions and ${perCommit(100)} at 100 ` +
        `(${requests(20)} and ${requests(100)} requests per message)` +
        (remote.ingest.some((entry) => entry.isolatedGroups.some((count) => count > 0))
          ? "; some groups failed as one batch" +
            (remote.ingest.some((entry) => entry.refused.some((statuses) => statuses["413"]))
              ? " (answered 413: a group has a statement cap but no byte cap, and the test server refuses bodies " +
                `over 1 MiB; the largest was ${formatNumber(Math.max(...remote.ingest.flatMap((entry) => entry.largestRequestBytes)) / 1e6, 2)} MB)`
              : "") +
            " and were committed again message by message, a savepoint each, in one interactive transaction: " +
            "about three round trips per message, one after another, while every session waits"
          : "") +
        "." +
        (list
          ? ` An API list costs ${formatNumber(list.requestsPerRequest, 2)} requests (p50 ${formatMs(list.serial.p50Ms)} ms).`
          : "") +
        (remote.webhook
          ? ` With a webhook endpoint each message costs ${formatNumber(remote.webhook.requestsPerMessage, 2)} requests ` +
            "(its commit, the drain's claim and the record of its attempt, each a write that group commit may share " +
            "with others)."
          : ""),
    );
  }
  const authLine = senderAuthAnalysis(report);
  if (authLine) lines.push(authLine);
  lines.push(
    "- **Noise.** This is a shared 2-core VM and the load generator runs on the same cores as the server. Compare the " +
      "ratios within one run; absolute msg/s moves by tens of percent between runs.",
  );
  return lines;
}

/** Why the settings of the bench differ from `npm start`'s (the reports before issue 12 turned sender auth off). */
function settingsReason(report: BenchReport): string {
  if (report.settings.OMNIMAIL_SENDER_AUTH === "0")
    return "one load address, no API rate limit, and no SPF/DKIM/DMARC DNS queries (the benchmark only talks to 127.0.0.1).";
  return (
    "one load address, no API rate limit. Sender authentication (SPF, DKIM, DMARC, ARC) is on, as by default; " +
    "`OMNIMAIL_DNS_SERVERS` points it at a name server the bench starts on 127.0.0.1, which serves an SPF record " +
    "passing 127.0.0.1 and a `p=none` DMARC record, TTL 300 s, for the load's sender domains (the messages carry no " +
    "DKIM signature), so its queries never leave the machine. Rows that change a setting or the DNS say so."
  );
}

export function renderMarkdown(report: BenchReport, history?: string): string {
  const versionList = Object.entries(report.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(", ");
  const goalsTable = goalTable(report);
  const parts = [
    "# Benchmarks",
    "",
    `Made by \`${report.command}\` on ${report.date} (${formatNumber(report.wallSeconds / 60, 1)} minutes). ` +
      "Regenerate with the same command; `--quick` for a shorter run, `--scale` for 100k and 1M stored messages.",
    "",
    `- **Machine:** ${report.machine.cpus} CPUs (nproc), ${report.machine.model}, ${formatNumber(report.machine.memoryBytes / 2 ** 30, 1)} GiB memory; shared and noisy, so read medians and ratios.`,
    `- **Versions:** ${versionList}.`,
    `- **Code measured:** ${report.tree}.`,
    `- **Load generator:** ${report.generator}, on the same machine. OmniMail runs as \`npm start\` does (one Bun process: SMTP, API, webhook drain) on a fresh file database (WAL, synchronous=FULL), LOG_LEVEL=info, with ${Object.entries(
      report.settings,
    )
      .map(([name, value]) => `\`${name}=${value}\``)
      .join(", ")}: ${settingsReason(report)}`,
    "",
    "## Goals",
    "",
    markdownTable(goalsTable.headers, goalsTable.rows),
    "",
    goalsTable.note ?? "",
    "",
    "## What limits it",
    "",
    ...analysis(report),
    "",
  ];
  for (const table of tables(report)) {
    parts.push(`## ${table.title}`, "", markdownTable(table.headers, table.rows), "");
    if (table.note) parts.push(table.note, "");
  }
  if (history) parts.push(history.trim(), "");
  return `${parts.join("\n")}`;
}
