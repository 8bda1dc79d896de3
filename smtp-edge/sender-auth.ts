import type { DNSResolver } from "mailauth";
import type { SenderAuthResults } from "../core/messages/auth";
import { createDnsClient, parseDnsServers } from "../runtime/dns/dns-client";
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

/** Resolvers made by createDnsResolver, with their settings: the auth thread makes its own copy. */
const clientResolvers = new WeakMap<DNSResolver, { servers: string | null; timeoutMs: number }>();

/**
 * DNS through the product's DNS client (runtime/dns: cache, hedging, whole TXT
 * records), each query bounded, so a dead name server costs `timeoutMs`, not
 * minutes. `servers`: OMNIMAIL_DNS_SERVERS, or null for the system's. Used from
 * the auth thread, which builds its own client from these settings, so a
 * lookup (a cache hit included) never crosses threads.
 */
export function createDnsResolver(timeoutMs: number, servers: string | null = null): DNSResolver {
  const client = createDnsClient({ servers: servers ? parseDnsServers(servers) : undefined, timeoutMs });
  const resolve: DNSResolver = (name, rrtype) =>
    client.resolve(name, rrtype) as Promise<string[][] | string[]>;
  clientResolvers.set(resolve, { servers, timeoutMs });
  return resolve;
}

export function createSenderAuth(options: {
  resolver: DNSResolver;
  mta: string;
  timeoutMs: number;
}): SenderAuth {
  // Our DNS client is rebuilt in the auth thread; any other function stays here and answers from here.
  const settings = clientResolvers.get(options.resolver);
  const dns: DnsRoute = settings === undefined ? { kind: "main-thread" } : { kind: "client", ...settings };
  warmUpAuthThread();
  return (raw, envelope) =>
    authenticateInThread(
      raw,
      { ...envelope, mta: options.mta, dns },
      { timeoutMs: options.timeoutMs, resolver: dns.kind === "main-thread" ? options.resolver : undefined },
    );
}
