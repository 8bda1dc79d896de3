import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real remote libSQL database for tests: the Hrana test server the libSQL authors wrote for their own
 * clients (kept beside the repository in ../shared/hrana-test-server, over a real SQLite with FTS5), on an
 * ephemeral port with its database in a temp dir, and a proxy in front of it that can slow, stall or cut
 * the link. `@libsql/client` speaks to it over `http://` exactly as it speaks to sqld and Turso.
 *
 * Point clients at `proxyUrl` to control the link, at `url` to bypass it (e.g. to see that a statement
 * whose answer is being delayed has already run).
 */

export interface RemoteDatabaseOptions {
  /** Where the test server lives; by default ../shared/hrana-test-server beside the repository. */
  serverDir?: string;
  /** Throw instead of returning null when the server is absent; by default OMNIMAIL_REQUIRE_SHARED=1. */
  required?: boolean;
  /** How long the server may take to answer HTTP. */
  startTimeoutMs?: number;
}

export interface DatabaseProxy {
  /** `http://127.0.0.1:PORT` of the proxy. */
  url: string;
  /** Requests forwarded upstream, by path: `{ "/v2/pipeline": 3 }`. Held or refused ones do not count. */
  readonly requests: Record<string, number>;
  /** Requests the proxy is holding right now (see `stall`). */
  readonly held: number;
  /** The SQL of the statements forwarded since the last `resetCount` (to say what a round trip was for). */
  readonly statements: string[];
  /** Delays each answer by `ms` after the server answered: a slow link where the statement already ran. */
  setDelay(ms: number): void;
  /**
   * Holds every request, neither forwarding it nor answering it, until `resume`. Answers already on their
   * way back are held too.
   */
  stall(): void;
  resume(): void;
  /** `"503"` answers every request with 503; `"refuse"` closes the listener, so connections are refused. */
  down(mode?: "503" | "refuse"): Promise<void>;
  /** Forwards again, on the same port. */
  up(): void;
  resetCount(): void;
  stop(): Promise<void>;
}

export interface RemoteDatabase {
  /** The server itself: `http://127.0.0.1:PORT`. */
  url: string;
  /** The proxy in front of it. */
  proxyUrl: string;
  proxy: DatabaseProxy;
  /** Stops the proxy and the server (and its children) and removes the database. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const defaultServerDir = join(import.meta.dir, "../../../shared/hrana-test-server");
// run.sh runs this interpreter and apt-gets python3-aiohttp into it when the import fails.
const runShPython = "/usr/bin/python3";
const addressInUse = /address already in use|EADDRINUSE|Errno 98/i;
const portAttempts = 5;
/**
 * `sh -c watchdog sh DIR COMMAND...` runs the command (exec, so its pid is the server's) beside a watchdog
 * that waits for our stdin pipe to close, then kills the server, removes DIR and kills the process group.
 * Bun closes the pipe when the server exits and the kernel when this test process dies, so a server whose
 * test file never called stop() (a file that fails to load: bun test emits no "exit" event for a handler
 * to act on) is not left running, and neither is its database left on disk.
 */
const watchdog = [
  "dir=$1; shift; exec 3<&0",
  '(cat <&3 >/dev/null; kill -KILL $$ 2>/dev/null; rm -rf "$dir"; kill -KILL 0) &',
  'exec "$@" 3<&- </dev/null',
].join("\n");

/**
 * Starts the shared test server and its proxy. Returns null when the server is absent (a clone without
 * ../shared), unless `required`; throws when it is present but cannot start.
 */
export async function startRemoteDatabase(
  options: RemoteDatabaseOptions = {},
): Promise<RemoteDatabase | null> {
  const serverDir = options.serverDir ?? defaultServerDir;
  const required = options.required ?? process.env.OMNIMAIL_REQUIRE_SHARED === "1";
  if (!existsSync(join(serverDir, "server_v2.py"))) {
    if (required)
      throw new Error(`the shared libSQL test server is missing: no server_v2.py in ${serverDir}`);
    return null;
  }
  const command = await chooseServerCommand(serverDir);
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  let server = await startServer(command, timeoutMs);
  // Another process took the port between our check and the server's bind: take another.
  for (let attempt = 2; server.outcome === "port taken" && attempt <= portAttempts; attempt++) {
    server = await startServer(command, timeoutMs);
  }
  if (server.outcome === "port taken") {
    throw new Error(`the libSQL test server found its port taken ${portAttempts} times`);
  }
  if (server.outcome === "failed") throw new Error(server.error);
  const { url, kill } = server;
  let proxy: DatabaseProxy;
  try {
    proxy = startDatabaseProxy(url);
  } catch (error) {
    await kill();
    throw error;
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await proxy.stop();
    await kill();
  };
  return { url, proxyUrl: proxy.url, proxy, stop, [Symbol.asyncDispose]: stop };
}

/**
 * run.sh when its interpreter already has aiohttp; otherwise it would apt-get, which a test must not do,
 * so server_v2.py runs directly under a python3 that has aiohttp, with the variables run.sh sets.
 */
async function chooseServerCommand(serverDir: string): Promise<string[]> {
  const runSh = join(serverDir, "run.sh");
  if (existsSync(runSh) && (await importsAiohttp(runShPython))) return [runSh];
  for (const python of [Bun.which("python3"), runShPython]) {
    if (python && (await importsAiohttp(python))) return [python, join(serverDir, "server_v2.py")];
  }
  throw new Error(
    "the shared libSQL test server needs python3 with aiohttp (Debian: apt-get install python3-aiohttp)",
  );
}

async function importsAiohttp(python: string): Promise<boolean> {
  if (!existsSync(python)) return false;
  const child = Bun.spawn([python, "-c", "import aiohttp"], { stdio: ["ignore", "ignore", "ignore"] });
  return (await child.exited) === 0;
}

type StartedServer =
  | { outcome: "serving"; url: string; kill: () => Promise<void> }
  | { outcome: "port taken" }
  | { outcome: "failed"; error: string };

/** One attempt: a free port, a fresh temp dir for the database, the server in its own process group. */
async function startServer(command: string[], timeoutMs: number): Promise<StartedServer> {
  const port = freePort();
  const dir = mkdtempSync(join(tmpdir(), "omnimail-remote-db-"));
  const dbPath = join(dir, "remote.db");
  const child = Bun.spawn(["/bin/sh", "-c", watchdog, "sh", dir, ...command], {
    // DB is run.sh's name for the file, PERSISTENT_DB server_v2.py's.
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(port),
      DB: dbPath,
      PERSISTENT_DB: dbPath,
      LOG_LEVEL: "WARNING",
    },
    stdio: ["pipe", "ignore", "pipe"],
    detached: true,
  });
  const stderr = collectText(child.stderr);
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const kill = async () => {
    killGroup("SIGTERM");
    const exited = await Promise.race([child.exited.then(() => true), Bun.sleep(3000).then(() => false)]);
    if (!exited) killGroup("SIGKILL");
    await child.exited;
    // Whatever else is in the group: the watchdog, children that outlived the server.
    killGroup("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const outcome = await waitUntilServing(url, child, timeoutMs);
  if (outcome === "serving") return { outcome, url, kill };
  await kill();
  // The stream ends once the whole group is gone: a moment at most.
  await Promise.race([stderr.ended, Bun.sleep(1000)]);
  const log = stderr.text().trim();
  if (outcome === "exited" && addressInUse.test(log)) return { outcome: "port taken" };
  return {
    outcome: "failed",
    error:
      outcome === "exited"
        ? `the libSQL test server exited with ${child.exitCode}: ${log}`
        : `the libSQL test server did not answer HTTP within ${timeoutMs} ms: ${log}`,
  };
}

/** A port that was free a moment ago: bind port 0, read the port, close. */
function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port;
  probe.stop(true);
  if (port === undefined) throw new Error("could not pick a free port");
  return port;
}

async function waitUntilServing(
  url: string,
  child: Bun.Subprocess,
  timeoutMs: number,
): Promise<"serving" | "exited" | "timeout"> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) return "exited";
    try {
      const response = await fetch(`${url}/v2`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return "serving";
    } catch {
      // Not listening yet.
    }
    await Bun.sleep(20);
  }
  return exited ? "exited" : "timeout";
}

/** Reads a stream to its end in the background, keeping the last few KB for error messages. */
function collectText(
  stream: ReadableStream<Uint8Array> | undefined,
  limit = 8192,
): { text: () => string; ended: Promise<void> } {
  let text = "";
  const decoder = new TextDecoder();
  const ended = (async () => {
    if (!stream) return;
    for await (const chunk of stream) {
      text = (text + decoder.decode(chunk, { stream: true })).slice(-limit);
    }
  })().catch(() => {});
  return { text: () => text, ended };
}

/**
 * A plain HTTP reverse proxy: method, path, query, headers and body go upstream unchanged, and the answer
 * comes back with its status and headers (less content-encoding and content-length, since fetch has
 * already decoded the body that is sent on).
 */
/** The `sql` of each statement in a Hrana pipeline body (batches included), for test messages. */
function statementsOf(body: ArrayBuffer): string[] {
  const found: string[] = [];
  try {
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) for (const item of value) visit(item);
      else if (value && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (typeof record.sql === "string") found.push(record.sql.replace(/\s+/g, " ").slice(0, 120));
        for (const item of Object.values(record)) visit(item);
      }
    };
    visit(JSON.parse(new TextDecoder().decode(body)));
  } catch {
    // not JSON: nothing to list
  }
  return found;
}

export function startDatabaseProxy(upstream: string): DatabaseProxy {
  const statements: string[] = [];
  const requests: Record<string, number> = {};
  let delayMs = 0;
  let mode: "up" | "503" | "refuse" = "up";
  let stall: { released: Promise<void>; release: () => void } | undefined;
  let held = 0;
  let closed = false;

  const passStall = async () => {
    while (stall && !closed) {
      held++;
      try {
        await stall.released;
      } finally {
        held--;
      }
    }
  };
  const unavailable = () => new Response("the database proxy is down", { status: 503 });

  const handle = async (request: Request): Promise<Response> => {
    if (mode !== "up" || closed) return unavailable();
    const body =
      request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
    await passStall();
    if (mode !== "up" || closed) return unavailable();
    const { pathname, search } = new URL(request.url);
    requests[pathname] = (requests[pathname] ?? 0) + 1;
    if (body) statements.push(...statementsOf(body));
    let answer: Response;
    let payload: ArrayBuffer;
    try {
      answer = await fetch(`${upstream}${pathname}${search}`, {
        method: request.method,
        headers: request.headers,
        body,
        redirect: "manual",
      });
      payload = await answer.arrayBuffer();
    } catch {
      return new Response("the database server did not answer", { status: 502 });
    }
    if (delayMs > 0) await Bun.sleep(delayMs);
    await passStall();
    const headers = new Headers(answer.headers);
    headers.delete("content-encoding");
    headers.delete("content-length");
    return new Response(payload, { status: answer.status, statusText: answer.statusText, headers });
  };

  // No idle timeout: a stalled request waits as long as the test wants.
  const listen = (port: number) => Bun.serve({ port, hostname: "127.0.0.1", idleTimeout: 0, fetch: handle });
  let server: ReturnType<typeof listen> | undefined = listen(0);
  const port = server.port;
  if (port === undefined) throw new Error("the database proxy has no port");

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    statements,
    get held() {
      return held;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    stall() {
      if (stall) return;
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      stall = { released, release };
    },
    resume() {
      const current = stall;
      stall = undefined;
      current?.release();
    },
    async down(next = "503") {
      mode = next;
      if (next === "503") server ??= listen(port);
      if (next === "refuse" && server) {
        const closing = server;
        server = undefined;
        await closing.stop(true);
      }
    },
    up() {
      mode = "up";
      server ??= listen(port);
    },
    resetCount() {
      for (const path of Object.keys(requests)) delete requests[path];
      statements.length = 0;
    },
    async stop() {
      if (closed) return;
      closed = true;
      stall?.release();
      stall = undefined;
      await server?.stop(true);
      server = undefined;
    },
  };
}
