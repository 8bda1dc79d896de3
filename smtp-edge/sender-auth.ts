import { Resolver } from "node:dns/promises";
import type { DNSResolver } from "mailauth";
import type { SenderAuthResults } from "../core/messages/auth";
import { authenticateInThread, warmUpAuthThread } from "./checks/message-checks";
import type { DnsRoute } from "./checks/protocol";

/**
 * Sender authentication of every accepted message: SPF (envelope sender and
 * client IP), DKIM signatures, DMARC for the From domain, and the ARC chain,
 * with mailauth (by the authors of smtp-server). The result is stored on the
 * message and shown in the API and webhooks; it never blocks delivery: a DNS
 * failure or a slow resolver gives `temperror`, not a 4xx.
 *
 * The checks run in the auth thread (checks/auth-thread.ts), bounded in time,
 * and mailauth reads a header section only within the bounds of
 * core/messages/header-limit.ts (checks/run-sender-auth.ts says what happens
 * past them).
 */
export type SenderAuth = (
  raw: Uint8Array,
  envelope: { ip: string; helo: string; sender: string },
) => Promise<SenderAuthResults>;

/** Resolvers made by createDnsResolver, with their query timeout: the auth thread makes its own copy. */
const systemResolvers = new WeakMap<DNSResolver, number>();

/** DNS through the system resolver, each query bounded, so a dead name server costs `timeoutMs`, not minutes. */
export function createDnsResolver(timeoutMs: number): DNSResolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  const resolve: DNSResolver = (name, rrtype) =>
    resolver.resolve(name, rrtype) as Promise<string[][] | string[]>;
  systemResolvers.set(resolve, timeoutMs);
  return resolve;
}

export function createSenderAuth(options: {
  resolver: DNSResolver;
  mta: string;
  timeoutMs: number;
}): SenderAuth {
  // The system resolver is rebuilt in the auth thread; any other function stays here and answers from here.
  const systemTimeoutMs = systemResolvers.get(options.resolver);
  const dns: DnsRoute =
    systemTimeoutMs === undefined ? { kind: "main-thread" } : { kind: "system", timeoutMs: systemTimeoutMs };
  warmUpAuthThread();
  return (raw, envelope) =>
    authenticateInThread(
      raw,
      { ...envelope, mta: options.mta, dns },
      { timeoutMs: options.timeoutMs, resolver: dns.kind === "main-thread" ? options.resolver : undefined },
    );
}
