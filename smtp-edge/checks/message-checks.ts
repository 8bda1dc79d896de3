import { availableParallelism } from "node:os";
import type { DNSResolver } from "mailauth";
import type { SenderAuthResults } from "../../core/messages/auth";
import type { ParseResult } from "../../core/messages/parse";
import type { AuthJob } from "./protocol";
import { temperror } from "./run-sender-auth";
import { type CheckThreadPool, createCheckThreadPool } from "./thread-pool";

/**
 * The checks every message gets, each in a thread with a time bound (thread-pool.ts):
 * parsing in a pool of parse threads, one message per thread at a time;
 * sender authentication in one auth thread, many messages at once.
 */

/**
 * How long one parse may take. A 25 MB message parses in about 0.3 s on one
 * core; a parse past this is a message built to be slow: it is stored raw with
 * `parse_error` and its thread is replaced.
 */
export const PARSE_TIMEOUT_MS = 5000;

let parseThreads: CheckThreadPool | null = null;
let authThreads: CheckThreadPool | null = null;

function parsePool(): CheckThreadPool {
  parseThreads ??= createCheckThreadPool({
    script: new URL("./parse-thread.ts", import.meta.url),
    threads: Math.max(1, Math.min(4, availableParallelism())),
    exclusive: true,
  });
  return parseThreads;
}

function authPool(): CheckThreadPool {
  authThreads ??= createCheckThreadPool({
    script: new URL("./auth-thread.ts", import.meta.url),
    threads: 1,
    exclusive: false,
  });
  return authThreads;
}

/** Starts the parse threads (an SMTP edge calls it when it is built). */
export function warmUpParseThreads(): void {
  parsePool().warmUp();
}

/** Starts the auth thread (when sender authentication is on). */
export function warmUpAuthThread(): void {
  authPool().warmUp();
}

export interface ThreadParse {
  parsed: ParseResult;
  /** The bytes' SHA-256 (hex); null when the thread did not answer (the caller hashes them). */
  rawKey: string | null;
}

/**
 * parseMessage (core/messages/parse.ts) in a parse thread, which also hashes
 * the bytes; over `timeoutMs`, a parse error. `raw` may be over shared memory
 * (the thread then reads it in place).
 */
export function parseInThread(
  raw: Uint8Array,
  envelopeFrom: string,
  timeoutMs = PARSE_TIMEOUT_MS,
): Promise<ThreadParse> {
  return parsePool().run<ThreadParse>((id) => ({ type: "parse", id, raw, envelopeFrom }), {
    timeoutMs,
    answer: (response) =>
      response.type === "parsed"
        ? { parsed: response.result, rawKey: response.rawSha256 }
        : {
            parsed: { ok: false, error: `unexpected answer ${response.type}`, headersOnly: null },
            rawKey: null,
          },
    // No header-only parse here: this event loop serves every session, and the message just held a thread.
    fallback: (why) => ({
      parsed: {
        ok: false,
        error:
          why === "timeout"
            ? `parsing took over ${timeoutMs} ms; the message is stored as received`
            : "the parse thread stopped; the message is stored as received",
        headersOnly: null,
      },
      rawKey: null,
    }),
  });
}

/**
 * Sender authentication (checks/run-sender-auth.ts) in the auth thread. With
 * `resolver`, its DNS queries come back to this thread to be answered by it.
 */
export function authenticateInThread(
  raw: Uint8Array,
  job: AuthJob,
  options: { timeoutMs: number; resolver?: DNSResolver | undefined },
): Promise<SenderAuthResults> {
  return authPool().run<SenderAuthResults>((id) => ({ type: "auth", id, raw, job }), {
    timeoutMs: options.timeoutMs,
    resolver: options.resolver,
    answer: (response) =>
      response.type === "authenticated" ? response.result : temperror(`unexpected answer ${response.type}`),
    fallback: (why) =>
      temperror(why === "timeout" ? `checks took over ${options.timeoutMs} ms` : "the auth thread stopped"),
  });
}
