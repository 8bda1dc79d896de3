import type { SenderAuthResults } from "../../core/messages/auth";
import type { ParseResult } from "../../core/messages/parse";

/**
 * Messages between the main thread (thread-pool.ts) and the check threads
 * (parse-thread.ts, auth-thread.ts). Every request carries an id; its answer
 * carries the same id.
 */

/** Where the auth thread sends DNS queries: its own system resolver, or back to the main thread. */
/**
 * Where the auth thread's DNS goes: its own DNS client (runtime/dns; `servers`
 * null: the system's), or back to the main thread (a resolver function, as
 * tests pass, cannot cross threads).
 */
export type DnsRoute =
  | { kind: "client"; servers: string | null; timeoutMs: number }
  | { kind: "main-thread" };

export interface AuthJob {
  ip: string;
  helo: string;
  sender: string;
  mta: string;
  dns: DnsRoute;
}

export type CheckRequest =
  /** `envelopeFrom`: the MAIL FROM address ("" for the null sender), which the kind of mail depends on. */
  | { type: "parse"; id: number; raw: Uint8Array; envelopeFrom: string }
  | { type: "auth"; id: number; raw: Uint8Array; job: AuthJob }
  /** The answer to a `dns-query` the thread sent (records, or the resolver's error with its code). */
  | {
      type: "dns-answer";
      id: number;
      records?: string[][] | string[] | undefined;
      error?: { message: string; code?: string | undefined } | undefined;
    }
  | { type: "ping"; id: number };

export type CheckResponse =
  /** `rawSha256`: the hex SHA-256 of the bytes parsed (their key in the blobs table). */
  | { type: "parsed"; id: number; result: ParseResult; rawSha256: string }
  | { type: "authenticated"; id: number; result: SenderAuthResults }
  /** A DNS query of task `task`, for the main thread's resolver to answer (route `main-thread`). */
  | { type: "dns-query"; id: number; task: number; name: string; rrtype: string }
  | { type: "pong"; id: number };
