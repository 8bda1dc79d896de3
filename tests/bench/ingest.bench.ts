import type { BenchDns, SlowAnswers } from "./bench-dns";
import type { LoadCell, LoadGenerator, LoadVariant } from "./load-generator";
import type { MessageKind } from "./messages";
import { type ProcessSample, sampleMachine, sampleProcess, sampleThreads } from "./processes";
import type { LoadResult } from "./smtp-load";

/**
 * SMTP ingest: the same load against the bare smtp-server sink and against
 * OmniMail, interleaved run by run (sink, OmniMail, sink, OmniMail, …) so a
 * noisy neighbour hits both alike. Per run: msg/s, the server's CPU per
 * message (utime + stime from /proc), its RSS after the run, and the final
 * dot → 250 latency as the client saw it.
 */

export type TargetName = "sink" | "omnimail";

export interface RunMeasure {
  rate: number;
  sent: number;
  failed: number;
  cpuMicrosPerMessage: number;
  /** Server CPU time over wall time (1.0 = one core busy). */
  cores: number;
  rssBytes: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: string[];
  /** Cores used per thread name (CPU over wall time), e.g. the main thread "bun", a writer "Worker". */
  threads: Record<string, number>;
  /** Share of the whole machine's CPU that was busy during the run (server, load, anything else). */
  machineBusy: number;
}

export interface IngestRow {
  cell: LoadCell;
  runs: Record<TargetName, RunMeasure[]>;
}

export interface IngestTarget {
  name: TargetName;
  pid: number;
  port: number;
}

export const INGEST_CELLS: LoadCell[] = (["5k", "100k"] as MessageKind[]).flatMap((kind) =>
  [true, false].flatMap((reuse) => [1, 20, 100].map((sessions) => ({ kind, reuse, sessions }))),
);

/**
 * Per-run caps on what OmniMail stores (the sink stores nothing), so the temp
 * database stays under ~15 GB even on a machine many times faster than this one.
 */
const MAX_STORED: Record<MessageKind, number> = { "5k": 40_000, "100k": 4_000 };
const MAX_SINK = 1_000_000;

export function describeCell(cell: LoadCell): string {
  return `${cell.kind === "5k" ? "5 KB" : "100 KB + 2 att."}, ${cell.sessions} sess., ${cell.reuse ? "reuse" : "conn/msg"}`;
}

export async function measureOnce(
  generator: LoadGenerator,
  target: IngestTarget,
  cell: LoadCell,
  durationMs: number,
  variant?: LoadVariant,
): Promise<RunMeasure> {
  const machineBefore = sampleMachine();
  const threadsBefore = sampleThreads(target.pid);
  const before: ProcessSample = sampleProcess(target.pid);
  const cap = target.name === "sink" ? MAX_SINK : MAX_STORED[cell.kind];
  const result: LoadResult = await generator.run(target.port, cell, durationMs, cap, variant);
  const after = sampleProcess(target.pid);
  const threadsAfter = sampleThreads(target.pid);
  const machineAfter = sampleMachine();
  const cpu = after.cpuMicros - before.cpuMicros;
  const wallMs = after.at - before.at;
  const threads: Record<string, number> = {};
  for (const [name, micros] of threadsAfter) {
    const used = micros - (threadsBefore.get(name) ?? 0);
    if (used > 0) threads[name] = used / 1000 / wallMs;
  }
  return {
    rate: result.rate,
    sent: result.sent,
    failed: result.failed,
    cpuMicrosPerMessage: result.sent > 0 ? cpu / result.sent : Number.NaN,
    cores: cpu / 1000 / wallMs,
    rssBytes: after.rssBytes,
    latencyP50Ms: result.latencyP50Ms,
    latencyP99Ms: result.latencyP99Ms,
    errors: result.errors,
    threads,
    machineBusy:
      (machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total),
  };
}

export async function benchIngest(input: {
  generator: LoadGenerator;
  targets: IngestTarget[];
  cells: LoadCell[];
  runs: number;
  durationMs: number;
  /** Load before the first run, not recorded (JIT, page cache, the first database pages). */
  warmUpMs: number;
  log: (line: string) => void;
}): Promise<IngestRow[]> {
  for (const target of input.targets) {
    await measureOnce(input.generator, target, { kind: "5k", sessions: 20, reuse: true }, input.warmUpMs);
  }
  const rows: IngestRow[] = [];
  for (const cell of input.cells) {
    const row: IngestRow = { cell, runs: { sink: [], omnimail: [] } };
    for (let run = 0; run < input.runs; run++) {
      for (const target of input.targets) {
        const measure = await measureOnce(input.generator, target, cell, input.durationMs);
        row.runs[target.name].push(measure);
        if (measure.failed > 0) {
          input.log(`  ${target.name}: ${measure.failed} failed (${measure.errors.join("; ")})`);
        }
      }
    }
    const rates = (name: TargetName) => row.runs[name].map((measure) => Math.round(measure.rate)).join("/");
    input.log(`  ${describeCell(cell)}: sink ${rates("sink")} msg/s, OmniMail ${rates("omnimail")} msg/s`);
    rows.push(row);
  }
  return rows;
}

/**
 * Sender authentication: one load (5 KB, 20 sessions, reused connections)
 * under each setting or DNS scenario below, interleaved run by run so a noisy
 * neighbour hits all alike. Every row but `OMNIMAIL_SENDER_AUTH=0` runs
 * against the default-config OmniMail; the bench's name server changes its
 * behaviour between runs, and the load generator its sender domains.
 */
export type SenderAuthScenario =
  | "default"
  | "auth-off"
  | "dkim"
  | "slow-dns"
  | "distinct"
  | "distinct-slow-dns"
  | "auth-off-fixed-rate"
  | "distinct-slow-dns-fixed-rate";

export const SENDER_AUTH_CELL: LoadCell = { kind: "5k", sessions: 20, reuse: true };

/** 5 % of DNS answers held for 1 s. */
export const SLOW_ANSWERS: SlowAnswers = { every: 20, delayMs: 1000 };

/**
 * The fixed-rate rows offer this share of what the default row reached in the same run. A closed loop at 20
 * sessions runs the server at saturation, where dot→250 is mostly time spent queued behind other messages
 * (with the checks off too); below it, what remains is what the checks and their DNS add to one reply.
 */
export const FIXED_RATE_SHARE = 0.4;

export const SENDER_AUTH_SCENARIOS: Array<{
  scenario: SenderAuthScenario;
  /** The setting or scenario the row changes, as the report names it. */
  label: string;
  target: "default" | "auth-off";
  slow: boolean;
  distinct: boolean;
  /** Every message DKIM-signed by the sender domain (the other loads carry no signature). */
  dkim?: boolean;
  /** Sent open loop at FIXED_RATE_SHARE of the default row's rate in the same run. */
  fixedRate?: boolean;
}> = [
  {
    scenario: "default",
    label: "default (sender auth on), one sender domain",
    target: "default",
    slow: false,
    distinct: false,
  },
  {
    scenario: "auth-off",
    label: "`OMNIMAIL_SENDER_AUTH=0`",
    target: "auth-off",
    slow: false,
    distinct: false,
  },
  {
    scenario: "dkim",
    label: "DKIM-signed messages (RSA 2048, relaxed/relaxed), one sender domain",
    target: "default",
    slow: false,
    distinct: false,
    dkim: true,
  },
  {
    scenario: "slow-dns",
    label: "5 % of DNS answers delayed by 1 s, one sender domain",
    target: "default",
    slow: true,
    distinct: false,
  },
  {
    scenario: "distinct",
    label: "a distinct sender domain per message (no cache hits)",
    target: "default",
    slow: false,
    distinct: true,
  },
  {
    scenario: "distinct-slow-dns",
    label: "a distinct sender domain per message, 5 % of DNS answers delayed by 1 s",
    target: "default",
    slow: true,
    distinct: true,
  },
  {
    scenario: "auth-off-fixed-rate",
    label: `\`OMNIMAIL_SENDER_AUTH=0\`, at a fixed ${FIXED_RATE_SHARE * 100} % of the default row's rate`,
    target: "auth-off",
    slow: false,
    distinct: false,
    fixedRate: true,
  },
  {
    scenario: "distinct-slow-dns-fixed-rate",
    label: `a distinct sender domain per message, 5 % of DNS answers delayed by 1 s, at a fixed ${FIXED_RATE_SHARE * 100} % of the default row's rate`,
    target: "default",
    slow: true,
    distinct: true,
    fixedRate: true,
  },
];

export interface SenderAuthRow {
  scenario: SenderAuthScenario;
  label: string;
  runs: RunMeasure[];
  /** Per run: questions the bench's name server received per accepted message (OmniMail's cache misses). */
  dnsQueriesPerMessage: number[];
  /** Per run, for a fixed-rate row: the messages a second it offered (absent from older reports). */
  offeredRates?: number[];
}

export async function benchSenderAuth(input: {
  generator: LoadGenerator;
  targets: Record<"default" | "auth-off", IngestTarget>;
  dns: BenchDns;
  runs: number;
  durationMs: number;
  warmUpMs: number;
  log: (line: string) => void;
}): Promise<SenderAuthRow[]> {
  // The OMNIMAIL_SENDER_AUTH=0 process is fresh: warm it up as the other was.
  await measureOnce(input.generator, input.targets["auth-off"], SENDER_AUTH_CELL, input.warmUpMs);
  const rows: SenderAuthRow[] = SENDER_AUTH_SCENARIOS.map(({ scenario, label }) => ({
    scenario,
    label,
    runs: [],
    dnsQueriesPerMessage: [],
  }));
  for (let run = 0; run < input.runs; run++) {
    let defaultRate = Number.NaN;
    for (const [index, scenario] of SENDER_AUTH_SCENARIOS.entries()) {
      const row = rows[index];
      if (!row) continue;
      const rate = scenario.fixedRate ? Math.max(1, Math.round(FIXED_RATE_SHARE * defaultRate)) : undefined;
      if (rate !== undefined) row.offeredRates = [...(row.offeredRates ?? []), rate];
      input.dns.setSlowAnswers(scenario.slow ? SLOW_ANSWERS : null);
      const questionsBefore = input.dns.questions;
      const measure = await measureOnce(
        input.generator,
        input.targets[scenario.target],
        SENDER_AUTH_CELL,
        input.durationMs,
        {
          senderDomains: scenario.distinct ? `s${index}r${run}` : undefined,
          dkimPrivateKey: scenario.dkim ? input.dns.dkimPrivateKey : undefined,
          rate,
        },
      );
      if (scenario.scenario === "default") defaultRate = measure.rate;
      input.dns.setSlowAnswers(null);
      row.runs.push(measure);
      row.dnsQueriesPerMessage.push((input.dns.questions - questionsBefore) / Math.max(1, measure.sent));
      input.dns.forgetDistinct();
      if (measure.failed > 0) {
        input.log(`  ${scenario.scenario}: ${measure.failed} failed (${measure.errors.join("; ")})`);
      }
    }
  }
  for (const row of rows) {
    const rates = row.runs.map((measure) => Math.round(measure.rate)).join("/");
    const p99 = row.runs.map((measure) => Math.round(measure.latencyP99Ms)).join("/");
    input.log(`  ${row.scenario}: ${rates} msg/s, dot→250 p99 ${p99} ms`);
  }
  return rows;
}
