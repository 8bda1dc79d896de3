import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { generateWebhookSecret, isWebhookSecret, webhookHeaders } from "../core/webhooks/sign";
import { readSse } from "./sse-reader";

/**
 * `npm run omnimail -- listen --url <OmniMail> --key <api key> --forward <local URL>`:
 * follows the tenant's event stream (GET /v1/events/stream) and POSTs each
 * event to a local handler, signed per Standard Webhooks as a real delivery
 * would be, so a developer's laptop receives real mail without a public URL
 * or a tunnel. The cursor (the last event handled) and the local secret are
 * kept in a state file, so a restart or a dropped connection resumes where it
 * stopped: nothing is skipped, and nothing is sent twice unless the process
 * died between a POST and writing the file. A local handler that cannot be
 * reached is retried (the cursor waits); one that answers, with any status,
 * has had its event.
 */

const USAGE = [
  "usage: npm run omnimail -- listen --url <OmniMail base URL> --key <api key> --forward <local URL>",
  "         [--mailbox <id>] [--types message.received,…] [--secret whsec_…] [--state <file>]",
  "",
  "  --key           or OMNIMAIL_API_KEY in the environment (kept out of the process list)",
  "  --secret        the local signing secret; default: one made on the first run and kept in the state file",
  "  --state         where the cursor and secret are kept (default ./.omnimail-listen.json)",
].join("\n");

const RECONNECT_MAX_MS = 30_000;
const FORWARD_TIMEOUT_MS = 15_000;

interface ListenState {
  url: string;
  cursor: string | null;
  secret: string;
}

interface StreamEvent {
  id: string;
  type: string;
  created_at: string;
  data: unknown;
}

class ListenError extends Error {}

export async function runListen(argv: string[], signal?: AbortSignal): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`omnimail listen: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  signal?.addEventListener("abort", onSignal);
  try {
    const state = loadState(options);
    console.log(`forwarding events from ${options.url} to ${options.forward}`);
    console.log(`cursor and secret kept in ${options.statePath}`);
    console.log(state.cursor ? `resuming after ${state.cursor}` : "starting with the next event");
    await follow(options, state, stop.signal);
    return 0;
  } catch (error) {
    if (error instanceof ListenError) {
      console.error(`omnimail listen: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      url: { type: "string" },
      key: { type: "string" },
      forward: { type: "string" },
      mailbox: { type: "string" },
      types: { type: "string" },
      secret: { type: "string" },
      state: { type: "string" },
    },
  });
  const key = values.key ?? process.env.OMNIMAIL_API_KEY;
  if (!values.url) throw new Error("--url is required (the OmniMail API, e.g. http://localhost:8787)");
  if (!key) throw new Error("--key (or OMNIMAIL_API_KEY) is required");
  if (!values.forward)
    throw new Error("--forward is required (your handler, e.g. http://localhost:3000/hook)");
  for (const [name, value] of [
    ["--url", values.url],
    ["--forward", values.forward],
  ] as const) {
    if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
      throw new Error(`${name} must be an http(s) URL (got ${value})`);
    }
  }
  if (values.secret !== undefined && !isWebhookSecret(values.secret)) {
    throw new Error("--secret must be a whsec_ secret (whsec_ and base64)");
  }
  return {
    url: values.url.replace(/\/+$/, ""),
    key,
    forward: values.forward,
    mailbox: values.mailbox,
    types: values.types,
    secret: values.secret,
    statePath: resolve(values.state ?? ".omnimail-listen.json"),
  };
}

type Options = ReturnType<typeof parseOptions>;

function loadState(options: Options): ListenState {
  let saved: Partial<ListenState> = {};
  if (existsSync(options.statePath)) {
    try {
      saved = JSON.parse(readFileSync(options.statePath, "utf8")) as Partial<ListenState>;
    } catch {
      throw new ListenError(`${options.statePath} is not a state file this command wrote; move it away`);
    }
    if (saved.url !== undefined && saved.url !== options.url) {
      throw new ListenError(
        `${options.statePath} holds the cursor of ${saved.url}, not ${options.url}; pass --state <another file>`,
      );
    }
  }
  const secret = options.secret ?? saved.secret ?? generateWebhookSecret();
  const state: ListenState = { url: options.url, cursor: saved.cursor ?? null, secret };
  if (!options.secret && !saved.secret) {
    console.log(`local signing secret (verify deliveries with it; kept in the state file): ${secret}`);
  }
  saveState(options.statePath, state);
  return state;
}

/** Written whole and renamed into place, so a kill mid-write leaves the previous cursor, not half a file. */
function saveState(path: string, state: ListenState): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

async function follow(options: Options, state: ListenState, signal: AbortSignal): Promise<void> {
  const query = new URLSearchParams();
  if (options.mailbox) query.set("mailbox_id", options.mailbox);
  if (options.types) query.set("types", options.types);
  let delay = 1000;
  let connectedBefore = false;
  while (!signal.aborted) {
    try {
      const response = await fetch(`${options.url}/v1/events/stream?${query}`, {
        headers: {
          authorization: `Bearer ${options.key}`,
          accept: "text/event-stream",
          ...(state.cursor ? { "last-event-id": state.cursor } : {}),
        },
        signal,
      });
      if (!response.ok || !response.body) await refuse(response, options);
      console.log(connectedBefore ? "reconnected" : "connected; waiting for events");
      connectedBefore = true;
      delay = 1000;
      for await (const message of readSse(response.body as ReadableStream<Uint8Array>)) {
        if (message.data === "") {
          // Where a stream without a cursor starts: kept, so a reconnect before the first event misses nothing.
          if (message.id && !state.cursor) {
            state.cursor = message.id;
            saveState(options.statePath, state);
          }
          continue;
        }
        const event = JSON.parse(message.data) as StreamEvent;
        await forward(options, state, event, signal);
        if (signal.aborted) return;
        state.cursor = event.id;
        saveState(options.statePath, state);
      }
      // The server ends a stream after a while: reconnect at once.
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ListenError) throw error;
      console.log(`disconnected (${describe(error)}); reconnecting in ${delay / 1000} s`);
      await sleep(delay, signal);
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    }
  }
}

/** A refusal that reconnecting cannot fix stops the command; others (a restart, a 503) are retried. */
async function refuse(response: Response, options: Options): Promise<never> {
  const text = await response.text().catch(() => "");
  let detail = text.slice(0, 300);
  try {
    detail = (JSON.parse(text) as { detail?: string }).detail ?? detail;
  } catch {
    // Not problem+json: the text as it came.
  }
  if (response.status === 410) {
    throw new ListenError(`${detail}\n  delete ${options.statePath} to start again from the next event`);
  }
  if ([400, 401, 403, 404].includes(response.status)) {
    throw new ListenError(`the server refused the stream (${response.status}): ${detail}`);
  }
  throw new Error(`HTTP ${response.status}${detail ? `: ${detail}` : ""}`);
}

/** POSTs one event to the local handler; retries while the handler cannot be reached. */
async function forward(options: Options, state: ListenState, event: StreamEvent, signal: AbortSignal) {
  const body = JSON.stringify({ type: event.type, timestamp: event.created_at, data: event.data });
  let delay = 1000;
  while (!signal.aborted) {
    const started = performance.now();
    try {
      const headers = await webhookHeaders({ secrets: [state.secret], id: event.id, body, now: Date.now() });
      const response = await fetch(options.forward, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "user-agent": "omnimail-listen" },
        body,
        redirect: "manual",
        signal: AbortSignal.any([signal, AbortSignal.timeout(FORWARD_TIMEOUT_MS)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      const ms = Math.round(performance.now() - started);
      console.log(`${event.created_at}  ${event.type}  ${event.id}  -> ${response.status} (${ms} ms)`);
      return;
    } catch (error) {
      if (signal.aborted) return;
      console.log(`${event.type}  ${event.id}  -> ${describe(error)}; retrying in ${delay / 1000} s`);
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    return code ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(finish, ms);
    signal.addEventListener("abort", finish, { once: true });
    function finish() {
      clearTimeout(timer);
      signal.removeEventListener("abort", finish);
      done();
    }
  });
}
