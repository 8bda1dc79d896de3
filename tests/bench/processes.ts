import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";

/**
 * Child processes and temp dirs of one benchmark run. Every child is
 * registered here and killed (SIGTERM, then SIGKILL) by `cleanUp`, which the
 * runner calls in `finally`, on SIGINT/SIGTERM and on exit, so nothing
 * outlives the run, errors included.
 */

export const BUN = join(process.cwd(), "node_modules", ".bin", "bun");

const children = new Set<Subprocess>();
const tempDirs = new Set<string>();

export function trackTempDir(dir: string): string {
  tempDirs.add(dir);
  return dir;
}

export interface Child {
  name: string;
  process: Subprocess;
  pid: number;
  /** stderr goes to this file (so a chatty child never blocks on a full pipe). */
  logPath: string;
  /** Waits for a JSON log line whose `msg` is `message`, returns it parsed (field order does not matter). */
  waitForEvent(message: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** The last lines of its log, for error messages. */
  tail(lines?: number): string;
  stop(): Promise<void>;
}

export function spawnChild(input: {
  name: string;
  cmd: string[];
  env?: Record<string, string>;
  logDir: string;
}): Child {
  const logPath = join(input.logDir, `${input.name}.log`);
  const child = Bun.spawn(input.cmd, {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...input.env },
    stdin: "ignore",
    stdout: Bun.file(join(input.logDir, `${input.name}.out`)),
    stderr: Bun.file(logPath),
  });
  children.add(child);
  const readLog = () => {
    try {
      return readFileSync(logPath, "utf8");
    } catch {
      return "";
    }
  };
  return {
    name: input.name,
    process: child,
    pid: child.pid,
    logPath,
    async waitForEvent(message, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        for (const line of readLog().split("\n")) {
          if (!line.includes(message)) continue;
          try {
            const event = JSON.parse(line) as Record<string, unknown>;
            if (event.msg === message) return event;
          } catch {
            // not a JSON line
          }
        }
        if (child.exitCode !== null || child.signalCode !== null) break;
        await Bun.sleep(25);
      }
      throw new Error(`${input.name}: no "${message}" log line\n${readLog().slice(-2000)}`);
    },
    tail: (lines = 20) => readLog().split("\n").slice(-lines).join("\n"),
    stop: () => stopChild(child),
  };
}

/** Runs a short-lived command to completion (bounded) and returns its stdout. */
export async function runToCompletion(
  cmd: string[],
  timeoutMs: number,
  /** Added to this process's environment for the child. */
  env?: Record<string, string>,
): Promise<{ stdout: string; code: number }> {
  const child = Bun.spawn(cmd, {
    cwd: process.cwd(),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  children.add(child);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    const [stdout, stderr] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
    ]);
    const code = await child.exited;
    if (code !== 0 && stderr) process.stderr.write(stderr.slice(-2000));
    return { stdout, code };
  } finally {
    clearTimeout(timer);
    children.delete(child);
  }
}

async function stopChild(child: Subprocess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGTERM");
    const exited = await Promise.race([child.exited.then(() => true), Bun.sleep(3000).then(() => false)]);
    if (!exited) {
      child.kill("SIGKILL");
      await Promise.race([child.exited, Bun.sleep(2000)]);
    }
  }
  children.delete(child);
}

/** Stops every child still running and removes the temp dirs. Safe to call more than once. */
export async function cleanUp(): Promise<void> {
  await Promise.all([...children].map(stopChild));
  removeTempDirs();
}

/** The synchronous part of `cleanUp`, for process 'exit'. */
export function cleanUpNow(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  children.clear();
  removeTempDirs();
}

function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** USER_HZ: /proc reports CPU times in 1/100 s on Linux whatever the kernel HZ. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcessSample {
  /** User + system CPU time, microseconds (all threads, from /proc/<pid>/stat). */
  cpuMicros: number;
  /** Resident set, bytes (VmRSS). */
  rssBytes: number;
  /** Peak resident set since start or the last `resetPeakRss`, bytes (VmHWM). */
  peakRssBytes: number;
  at: number;
}

export function sampleProcess(pid: number): ProcessSample {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after "(comm)": state is field 3, utime 14, stime 15 (1-based, proc(5)).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kilobytes = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return {
    cpuMicros: (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND,
    rssBytes: kilobytes("VmRSS") * 1024,
    peakRssBytes: kilobytes("VmHWM") * 1024,
    at: performance.now(),
  };
}

/** Busy and total jiffies of the whole machine (/proc/stat "cpu" line), for "how busy was the box". */
export function sampleMachine(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  // user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * CPU time per thread name (/proc/<pid>/task/<tid>/{comm,stat}), µs, summed
 * over threads of the same name (JIT workers, GC helpers). Threads that have
 * exited are missing, so this is for splitting a process's CPU, not totalling it.
 */
export function sampleThreads(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const tid of tids) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const micros = ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
      byName.set(name, (byName.get(name) ?? 0) + micros);
    } catch {
      // the thread ended meanwhile
    }
  }
  return byName;
}

/** Resets VmHWM to the current RSS (proc(5): clear_refs "5"), so a later sample shows the peak of one step. */
export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // not supported here: the caller sees VmHWM above VmRSS
  }
}
