import { join } from "node:path";
import { BUN, type Child, spawnChild } from "./processes";

/** The API key of the default tenant in every benchmark database (32 characters). */
export const BENCH_API_KEY = "omnimail_bench_0123456789abcdefg";

export interface OmniMailProcess {
  child: Child;
  smtpPort: number;
  apiUrl: string;
  databaseUrl: string;
  /** The environment it was started with, for the report (no paths). */
  settings: Record<string, string>;
}

/**
 * Settings beyond `npm start`'s defaults, each for a reason the report repeats:
 * the load comes from one address (127.0.0.1), up to 100 sessions and 1,000
 * idle connections at once, so the per-address connection limit is lifted; the
 * API rate limit would answer 429 to a load test. Sender authentication stays
 * on, as by default: OMNIMAIL_DNS_SERVERS points it at the bench's own name
 * server (bench-dns.ts), given to every start.
 */
export const BENCH_SETTINGS: Record<string, string> = {
  SMTP_MAX_CONNECTIONS_PER_IP: "0",
  OMNIMAIL_RATE_LIMIT_PER_MINUTE: "0",
};

/** OmniMail all in one, as `npm start` runs it, on a database in `dir` (or at `databaseUrl`). */
export async function startOmniMail(input: {
  name: string;
  dir: string;
  /** Options for bun itself, before the script (e.g. the profiler's). */
  bunArgs?: string[];
  /** Another database than `file:<dir>/<name>.db`, e.g. a remote libSQL server's URL. */
  databaseUrl?: string;
  /** The bench's name server (`127.0.0.1:PORT`), for the sender checks' DNS. */
  dnsServer: string;
  /** Settings of one scenario on top of BENCH_SETTINGS, e.g. `OMNIMAIL_SENDER_AUTH: "0"`. */
  env?: Record<string, string>;
}): Promise<OmniMailProcess> {
  const settings = { ...BENCH_SETTINGS, ...input.env };
  const databaseUrl = input.databaseUrl ?? `file:${join(input.dir, `${input.name}.db`)}`;
  const child = spawnChild({
    name: input.name,
    cmd: [BUN, ...(input.bunArgs ?? []), "main/start.ts"],
    logDir: input.dir,
    env: {
      DATABASE_URL: databaseUrl,
      SMTP_PORT: "0",
      PORT: "0",
      SMTP_HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS: "1",
      OMNIMAIL_BOOTSTRAP_API_KEY: BENCH_API_KEY,
      OMNIMAIL_DNS_SERVERS: input.dnsServer,
      ...settings,
    },
  });
  try {
    // JSON log lines on stderr; parsed, so the order of their fields does not matter.
    const smtp = await child.waitForEvent("smtp listening");
    const api = await child.waitForEvent("api listening");
    return {
      child,
      smtpPort: Number(smtp.port),
      apiUrl: `http://127.0.0.1:${Number(api.port)}`,
      databaseUrl,
      settings,
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

export async function startSink(dir: string): Promise<{ child: Child; port: number }> {
  const child = spawnChild({ name: "sink", cmd: [BUN, "tests/bench/smtp-sink.ts"], logDir: dir });
  const event = await child.waitForEvent("sink listening");
  return { child, port: Number(event.port) };
}

export async function startBareApi(
  dir: string,
  databaseUrl: string,
): Promise<{ child: Child; bunUrl: string; honoUrl: string }> {
  const child = spawnChild({
    name: "bare-api",
    cmd: [BUN, "tests/bench/bare-api.ts"],
    logDir: dir,
    env: { DATABASE_URL: databaseUrl },
  });
  const event = await child.waitForEvent("bare listening");
  return {
    child,
    bunUrl: `http://127.0.0.1:${Number(event.bun)}`,
    honoUrl: `http://127.0.0.1:${Number(event.hono)}`,
  };
}

/** A JSON call to the OmniMail API with the bench key; throws on a non-2xx answer. */
export async function callApi<T>(apiUrl: string, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${apiUrl}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${BENCH_API_KEY}`,
      ...(init.body ? { "content-type": "application/json" } : {}),
    },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
