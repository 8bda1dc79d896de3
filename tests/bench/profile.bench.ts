import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LoadGenerator } from "./load-generator";
import { startOmniMail } from "./servers";

/**
 * Where OmniMail's main thread spends its time under the headline load
 * (5 KB, 20 sessions, reused connections): a separate OmniMail started with
 * Bun's sampling profiler (`--cpu-prof`, 1 ms), only the samples taken while
 * the load ran, each attributed to the first frame up its stack that says
 * whose code it is. The profiler samples the JavaScript thread while it is
 * busy, native calls included (a commit waiting for fsync counts), so the
 * shares are of the time the event loop was not free to serve sockets.
 * Worker threads (a database writer) get a profile each.
 */

export interface ProfileShare {
  category: string;
  /** Main-thread milliseconds in the load window. */
  ms: number;
  /** Main-thread microseconds per accepted message. */
  microsPerMessage: number;
}

export interface ThreadProfile {
  /** "main thread" (the one running smtp-server) or "worker thread N". */
  thread: string;
  /** Sampled (busy) time over the window: 1.0 means the thread never idled. */
  busy: number;
  shares: ProfileShare[];
}

export interface ProfileResult {
  messages: number;
  windowMs: number;
  threads: ThreadProfile[];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const SAMPLE_INTERVAL_MS = 1;

const BY_NAME: Array<[RegExp, string]> = [
  [/^postMessage$/, "hand-off to the writer thread (postMessage)"],
  [/^libsql_js::database::Database::js_prepare/, "SQLite: prepare a statement (every call)"],
  [/^libsql_js::statement::Statement::js_run/, "SQLite: run writes and commit (FTS5, fsync)"],
  [/^libsql_js::/, "SQLite: read rows and columns"],
];

const BY_URL: Array<[RegExp, string]> = [
  [/node_modules\/(libsql|@libsql)\//, "libSQL client (JS side)"],
  [/node_modules\/drizzle-orm\//, "drizzle-orm: build queries, map rows"],
  [/node_modules\/postal-mime\//, "postal-mime: parse"],
  [/node_modules\/smtp-server\//, "smtp-server: protocol"],
  [/node_modules\/(hono|@hono|zod)\//, "Hono, zod"],
  [/\/(core|smtp-edge|runtime|db|api)\//, "OmniMail code (ingest, outbox, drain, logging)"],
  [/^(internal:streams|node:net|node:events|node:stream)/, "sockets and streams (node:net on Bun)"],
];

function categoryOf(node: ProfileNode, parents: Map<number, ProfileNode>): string {
  for (const [pattern, category] of BY_NAME) {
    if (pattern.test(node.callFrame.functionName)) return category;
  }
  for (let current: ProfileNode | undefined = node; current; current = parents.get(current.id)) {
    const url = current.callFrame.url;
    if (!url || url === "[native code]") continue;
    for (const [pattern, category] of BY_URL) if (pattern.test(url)) return category;
  }
  return "runtime, GC and other";
}

/** The shares of one thread's profile within the load window. */
export function summariseProfile(
  profile: CpuProfile,
  window: { fromMs: number; toMs: number },
  messages: number,
): { busy: number; shares: ProfileShare[]; runsSmtp: boolean } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parents.set(child, node);
  }
  const counts = new Map<string, number>();
  const endMs = (profile.startTime + profile.timeDeltas.reduce((sum, delta) => sum + delta, 0)) / 1000;
  // The profile's clock is the wall clock in µs; if it is not, take the window's length at the end.
  const shift = Math.abs(endMs - window.toMs) > 60_000 ? endMs - window.toMs : 0;
  let at = profile.startTime - shift * 1000;
  let sampled = 0;
  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index] ?? 0;
    const ms = at / 1000;
    if (ms < window.fromMs || ms > window.toMs) return;
    const node = byId.get(id);
    if (!node) return;
    const category = categoryOf(node, parents);
    counts.set(category, (counts.get(category) ?? 0) + 1);
    sampled++;
  });
  const windowMs = window.toMs - window.fromMs;
  return {
    busy: (sampled * SAMPLE_INTERVAL_MS) / windowMs,
    runsSmtp: profile.nodes.some((node) => node.callFrame.url.includes("node_modules/smtp-server/")),
    shares: [...counts.entries()]
      .map(([category, count]) => ({
        category,
        ms: count * SAMPLE_INTERVAL_MS,
        microsPerMessage: messages > 0 ? (count * SAMPLE_INTERVAL_MS * 1000) / messages : Number.NaN,
      }))
      .sort((a, b) => b.ms - a.ms),
  };
}

export async function benchProfile(input: {
  dir: string;
  generator: LoadGenerator;
  durationMs: number;
  /** Unrecorded load first, as the ingest rows have (the JIT's compiling is not what is profiled). */
  warmUpMs: number;
  dnsServer: string;
}): Promise<ProfileResult> {
  const profileDir = join(input.dir, "profile");
  const omnimail = await startOmniMail({
    name: "profiled",
    dir: input.dir,
    dnsServer: input.dnsServer,
    bunArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`],
  });
  let messages = 0;
  let window = { fromMs: 0, toMs: 0 };
  try {
    // Warm-up, outside the window.
    await input.generator.run(
      omnimail.smtpPort,
      { kind: "5k", sessions: 20, reuse: true },
      input.warmUpMs,
      1_000_000,
    );
    const fromMs = Date.now();
    const result = await input.generator.run(
      omnimail.smtpPort,
      { kind: "5k", sessions: 20, reuse: true },
      input.durationMs,
      60_000,
    );
    window = { fromMs, toMs: Date.now() };
    messages = result.sent;
  } finally {
    // The profile is written when the process exits after SIGTERM.
    await omnimail.child.stop();
  }
  // One profile per JavaScript thread (the main thread, and workers such as a database writer).
  const files = readdirSync(profileDir)
    .filter((name) => name.endsWith(".cpuprofile"))
    .sort();
  if (files.length === 0) throw new Error("the profiled OmniMail wrote no .cpuprofile");
  let workers = 0;
  const threads = files
    .map((file) =>
      summariseProfile(JSON.parse(readFileSync(join(profileDir, file), "utf8")), window, messages),
    )
    .sort((a, b) => Number(b.runsSmtp) - Number(a.runsSmtp))
    .map(({ busy, shares, runsSmtp }) => ({
      thread: runsSmtp ? "main thread" : `worker thread ${++workers}`,
      busy,
      shares,
    }));
  return { messages, windowMs: window.toMs - window.fromMs, threads };
}
