import type { LoadCell, LoadGenerator } from "./load-generator";
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
): Promise<RunMeasure> {
  const machineBefore = sampleMachine();
  const threadsBefore = sampleThreads(target.pid);
  const before: ProcessSample = sampleProcess(target.pid);
  const cap = target.name === "sink" ? MAX_SINK : MAX_STORED[cell.kind];
  const result: LoadResult = await generator.run(target.port, cell, durationMs, cap);
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
  log: (line: string) => void;
}): Promise<IngestRow[]> {
  // Warm-up (JIT, page cache, the first database pages), not recorded.
  for (const target of input.targets) {
    await measureOnce(input.generator, target, { kind: "5k", sessions: 20, reuse: true }, 1000);
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
