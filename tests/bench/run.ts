import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RemoteDatabase } from "../helpers/remote-db";
import { benchApi } from "./api.bench";
import { type BenchDns, startBenchDns } from "./bench-dns";
import { benchComponents } from "./components.bench";
import { benchIngest, benchSenderAuth, INGEST_CELLS, SENDER_AUTH_SCENARIOS } from "./ingest.bench";
import { bunLoadGenerator, type LoadGenerator, smtpSourceGenerator } from "./load-generator";
import { benchMemory } from "./memory.bench";
import { BUN, cleanUp, cleanUpNow, runToCompletion, trackTempDir } from "./processes";
import { benchProfile } from "./profile.bench";
import { benchRemote, type RemoteResults, startRemoteForBench } from "./remote.bench";
import { type BenchReport, renderMarkdown, renderText } from "./report";
import { BENCH_SETTINGS, startOmniMail, startSink } from "./servers";
import { benchWebhooks } from "./webhooks.bench";

/**
 * `npm run bench [-- --quick] [-- --scale] [-- --load bun|smtp-source] [-- --remote-rtt MS] [-- --no-write] [-- --save f.json]`
 * (`npm run bench -- --render f.json` rewrites BENCHMARKS.md from saved measurements, e.g. after editing report.ts)
 *
 * One run: OmniMail all in one and a bare smtp-server sink side by side under
 * the same SMTP load, webhook latency at fixed rates, the API against bare
 * baselines, the memory goals, and the cost of the parts; with `--remote-rtt MS`,
 * also OmniMail on a remote libSQL server MS ms of round trip away
 * (tests/bench/remote.bench.ts). Prints the tables
 * on stdout (progress on stderr) and writes BENCHMARKS.md at the repo root.
 * Traffic stays on 127.0.0.1; every child process is stopped and the temp
 * dir removed at the end, on error and on Ctrl-C.
 */

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const scale = args.includes("--scale");
const write = !args.includes("--no-write");
const loadChoice = args.includes("--load") ? args[args.indexOf("--load") + 1] : undefined;
/** `--save <file>`: also write the measurements as JSON; `--render <file>`: rewrite BENCHMARKS.md from such a file. */
const savePath = args.includes("--save") ? args[args.indexOf("--save") + 1] : undefined;
const renderPath = args.includes("--render") ? args[args.indexOf("--render") + 1] : undefined;
/** `--remote-rtt <ms>`: the remote-database section, with that round trip between OmniMail and the database. */
const remoteRtt = args.includes("--remote-rtt") ? args[args.indexOf("--remote-rtt") + 1] : undefined;
/** The arguments that change what is measured (the command quoted in BENCHMARKS.md). */
const measuredArgs = args.filter(
  (arg, index) =>
    !["--save", "--render", "--no-write"].includes(arg) &&
    !["--save", "--render"].includes(args[index - 1] ?? ""),
);

const settings = {
  runs: 3,
  ingestDurationMs: quick ? 1000 : 3000,
  /**
   * Load before the first measured run of each SMTP server process: Bun's
   * optimizing compiler (FTL) keeps compiling OmniMail's hot functions, in
   * every thread, for 40-50 s of load. Measured with BUN_JSC_reportCompileTimes
   * in 5 s windows at 20 sessions: 1,247 µs of compiling per message in the
   * first, 360 at 15-20 s, 205 at 25-30 s, 30-60 at 30-50 s, 3-8 after. A
   * server that has been up a while no longer pays it.
   */
  warmUpMs: quick ? 1000 : 60_000,
  webhookDurationMs: quick ? 4000 : 10_000,
  webhookRates: [50, 500],
  apiDurationMs: quick ? 1000 : 3000,
  apiConcurrency: 20,
  apiSizes: scale ? [10_000, 100_000, 1_000_000] : [10_000],
  componentBudgetMs: quick ? 300 : 1000,
  profileDurationMs: quick ? 3000 : 6000,
  idleConnections: 1000,
  largeMessageBytes: 25_000_000,
};

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The remote database of `--remote-rtt`, started first so a missing server fails the run at once. */
let remote: RemoteDatabase | null = null;
/** The name server of the sender checks, for the whole run (bench-dns.ts). */
let dns: BenchDns | null = null;

async function stopDns(): Promise<void> {
  const running = dns;
  dns = null;
  await running?.stop();
}

async function stopRemote(): Promise<void> {
  const running = remote;
  remote = null;
  await running?.stop();
}

function parseRemoteRtt(): number | undefined {
  if (!args.includes("--remote-rtt")) return undefined;
  const ms = Number(remoteRtt);
  if (remoteRtt === undefined || remoteRtt.startsWith("--") || !Number.isFinite(ms) || ms < 0)
    throw new Error(
      `--remote-rtt needs a round trip in milliseconds (e.g. --remote-rtt 20), got ${remoteRtt}`,
    );
  return ms;
}

async function machine(): Promise<BenchReport["machine"]> {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const meminfo = readFileSync("/proc/meminfo", "utf8");
  const nproc = await runToCompletion(["nproc"], 5000).catch(() => ({ stdout: "", code: 1 }));
  return {
    cpus: Number(nproc.stdout.trim()) || (cpuinfo.match(/^processor\s*:/gm) ?? []).length,
    model: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown CPU",
    memoryBytes: Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? 0) * 1024,
  };
}

async function versions(): Promise<Record<string, string>> {
  const packageVersion = (name: string) => {
    try {
      return (
        JSON.parse(readFileSync(join("node_modules", name, "package.json"), "utf8")) as { version: string }
      ).version;
    } catch {
      return "?";
    }
  };
  const bun = await runToCompletion([BUN, "--version"], 5000);
  const node = Bun.which("node") ? await runToCompletion(["node", "--version"], 5000) : { stdout: "absent" };
  return {
    bun: bun.stdout.trim(),
    node: node.stdout.trim().replace(/^v/, ""),
    "smtp-server": packageVersion("smtp-server"),
    "postal-mime": packageVersion("postal-mime"),
    "@libsql/client": packageVersion("@libsql/client"),
    hono: packageVersion("hono"),
  };
}

/** The commit measured, and whether product code had uncommitted changes (no paths, only counts). */
async function treeState(): Promise<string> {
  const head = await runToCompletion(["git", "rev-parse", "--short", "HEAD"], 5000).catch(() => null);
  if (head?.code !== 0) return "not a git checkout";
  const status = await runToCompletion(
    ["git", "status", "--porcelain", "--", "smtp-edge", "core", "api", "db", "runtime"],
    5000,
  );
  const changed = status.stdout.split("\n").filter(Boolean).length;
  return changed === 0
    ? `commit ${head.stdout.trim()}`
    : `commit ${head.stdout.trim()} plus uncommitted changes to ${changed} product file(s)`;
}

function chooseGenerator(dir: string): LoadGenerator {
  const smtpSource = Bun.which("smtp-source");
  if (loadChoice === "smtp-source" && !smtpSource)
    throw new Error("--load smtp-source: smtp-source is not on PATH");
  if (smtpSource && loadChoice !== "bun") return smtpSourceGenerator(smtpSource, join(dir, "smtp-source"));
  return bunLoadGenerator();
}

async function main(): Promise<void> {
  const started = performance.now();
  const rttMs = parseRemoteRtt();
  if (rttMs !== undefined) remote = await startRemoteForBench();
  const dir = trackTempDir(mkdtempSync(join(tmpdir(), "omnimail-bench-")));
  const generator = chooseGenerator(dir);
  dns = await startBenchDns();
  const dnsServer = dns.address;
  // Others may commit while this runs: quote what the first processes were started from.
  const treeAtStart = await treeState();
  log(`omnimail bench${quick ? " (quick)" : ""}${scale ? " (scale)" : ""}: load from ${generator.name}`);

  log("parts: parse and commit, one at a time");
  const components = await benchComponents({ dir, budgetMs: settings.componentBudgetMs });

  log("starting OmniMail (all in one) and the bare sink");
  const omnimail = await startOmniMail({ name: "omnimail", dir, dnsServer });
  const sink = await startSink(dir);

  log("memory: idle connections and one large message");
  const memory = await benchMemory({
    pid: omnimail.child.pid,
    smtpPort: omnimail.smtpPort,
    databaseUrl: omnimail.databaseUrl,
    idleConnections: settings.idleConnections,
    largeMessageBytes: settings.largeMessageBytes,
    log,
  });

  log(`ingest: ${INGEST_CELLS.length} loads × ${settings.runs} runs × (sink, OmniMail)`);
  const ingest = await benchIngest({
    generator,
    targets: [
      { name: "sink", pid: sink.child.pid, port: sink.port },
      { name: "omnimail", pid: omnimail.child.pid, port: omnimail.smtpPort },
    ],
    cells: INGEST_CELLS,
    runs: settings.runs,
    durationMs: settings.ingestDurationMs,
    warmUpMs: settings.warmUpMs,
    log,
  });
  await sink.child.stop();

  log(
    `sender authentication: ${SENDER_AUTH_SCENARIOS.length} settings and DNS scenarios × ${settings.runs} runs`,
  );
  const authOff = await startOmniMail({
    name: "omnimail-auth-off",
    dir,
    dnsServer,
    env: { OMNIMAIL_SENDER_AUTH: "0" },
  });
  const senderAuth = await benchSenderAuth({
    // The Bun client: these rows need dot→250 latency and a sender domain per message.
    generator: bunLoadGenerator(),
    targets: {
      default: { name: "omnimail", pid: omnimail.child.pid, port: omnimail.smtpPort },
      "auth-off": { name: "omnimail", pid: authOff.child.pid, port: authOff.smtpPort },
    },
    dns,
    runs: settings.runs,
    durationMs: settings.ingestDurationMs,
    warmUpMs: settings.warmUpMs,
    log,
  });
  await authOff.child.stop();

  log(`webhooks: ${settings.webhookRates.join(" and ")} msg/s`);
  const webhooks = await benchWebhooks({
    apiUrl: omnimail.apiUrl,
    smtpPort: omnimail.smtpPort,
    pid: omnimail.child.pid,
    rates: settings.webhookRates,
    durationMs: settings.webhookDurationMs,
    log,
  });
  await omnimail.child.stop();

  log("profile: where OmniMail's main thread goes (5 KB, 20 sessions)");
  const profile = await benchProfile({
    dir,
    generator: bunLoadGenerator(),
    durationMs: settings.profileDurationMs,
    warmUpMs: settings.warmUpMs,
    dnsServer,
  });

  log(`API: ${settings.apiSizes.map((size) => size.toLocaleString("en-US")).join(", ")} messages`);
  const api = await benchApi({
    dir,
    sizes: settings.apiSizes,
    runs: settings.runs,
    durationMs: settings.apiDurationMs,
    concurrency: settings.apiConcurrency,
    dnsServer,
    log,
  });

  let remoteResults: RemoteResults | null = null;
  if (remote && rttMs !== undefined) {
    log(`remote database: ${rttMs} ms round trip (libSQL test server behind a delay proxy)`);
    remoteResults = await benchRemote({
      remote,
      rttMs,
      dir,
      generator,
      runs: settings.runs,
      ingestDurationMs: settings.ingestDurationMs,
      warmUpMs: settings.warmUpMs,
      apiSize: settings.apiSizes[0] ?? 10_000,
      apiDurationMs: settings.apiDurationMs,
      webhookRate: 50,
      webhookDurationMs: settings.webhookDurationMs,
      dnsServer,
      log,
    });
    await stopRemote();
  }

  const treeAtEnd = await treeState();
  const report: BenchReport = {
    command: `npm run bench${measuredArgs.length ? ` -- ${measuredArgs.join(" ")}` : ""}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    machine: await machine(),
    versions: await versions(),
    tree: treeAtStart === treeAtEnd ? treeAtStart : `${treeAtStart} at the start (${treeAtEnd} by the end)`,
    generator: generator.name,
    generatorMeasuresLatency: generator.measuresLatency,
    settings: BENCH_SETTINGS,
    runs: settings.runs,
    ingestDurationMs: settings.ingestDurationMs,
    warmUpMs: settings.warmUpMs,
    webhookDurationMs: settings.webhookDurationMs,
    apiDurationMs: settings.apiDurationMs,
    components,
    profile,
    memory,
    ingest,
    senderAuth,
    webhookRates: settings.webhookRates,
    webhooks,
    api,
    ...(remoteResults ? { remote: remoteResults } : {}),
    wallSeconds: (performance.now() - started) / 1000,
  };
  if (savePath) writeFileSync(savePath, JSON.stringify(report, null, 2));
  publish(report);
}

/**
 * tests/bench/history.md: how the figures moved with each change, written by
 * hand (before/after runs named by commit), kept across regenerations and
 * appended to BENCHMARKS.md.
 */
function readHistory(): string | undefined {
  const path = join(import.meta.dir, "history.md");
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

function publish(report: BenchReport): void {
  process.stdout.write(`\n${renderText(report)}\n`);
  if (write) {
    writeFileSync("BENCHMARKS.md", renderMarkdown(report, readHistory()));
    log("wrote BENCHMARKS.md");
  }
}

process.on("exit", cleanUpNow);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    cleanUp().finally(() => process.exit(130));
  });
}

try {
  if (renderPath) publish(JSON.parse(readFileSync(renderPath, "utf8")) as BenchReport);
  else await main();
} catch (error) {
  log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await stopRemote();
  await stopDns();
  await cleanUp();
}
