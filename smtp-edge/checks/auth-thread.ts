/// <reference lib="webworker" />
import type { DNSResolver } from "mailauth";
import { createDnsClient, parseDnsServers } from "../../runtime/dns/dns-client";
import { collectAfterLarge } from "./collect-after-large";
import type { CheckRequest, CheckResponse, DnsRoute } from "./protocol";
import { runSenderAuth, temperror } from "./run-sender-auth";

/**
 * The auth thread (a Bun Worker): mailauth's SPF, DKIM, DMARC and ARC checks,
 * many messages at once (they mostly wait for DNS), off the event loop that
 * serves every SMTP session and the API. DNS goes through this thread's own
 * system resolver, or, when the edge was given a resolver function (tests
 * serve their records that way; a function cannot cross threads), back to the
 * main thread as `dns-query` messages.
 */
declare const self: Worker;

const reply = (message: CheckResponse) => postMessage(message);

/** One DNS client (with its cache) per server list and timeout, made on first use: a lookup stays in this thread. */
const clients = new Map<string, DNSResolver>();
function clientResolver(servers: string | null, timeoutMs: number): DNSResolver {
  const key = `${servers ?? ""} ${timeoutMs}`;
  let resolver = clients.get(key);
  if (!resolver) {
    const client = createDnsClient({ servers: servers ? parseDnsServers(servers) : undefined, timeoutMs });
    resolver = (name, rrtype) => client.resolve(name, rrtype) as Promise<string[][] | string[]>;
    clients.set(key, resolver);
  }
  return resolver;
}

/** DNS queries waiting for the main thread's answer, by query id. */
const pending = new Map<
  number,
  { resolve: (records: string[][] | string[]) => void; reject: (error: Error) => void }
>();
let nextQuery = 1;

function mainThreadResolver(task: number): DNSResolver {
  return (name, rrtype) =>
    new Promise((resolve, reject) => {
      const id = nextQuery++;
      pending.set(id, { resolve, reject });
      reply({ type: "dns-query", id, task, name, rrtype });
    });
}

function resolverFor(route: DnsRoute, task: number): DNSResolver {
  return route.kind === "client" ? clientResolver(route.servers, route.timeoutMs) : mainThreadResolver(task);
}

self.onmessage = async (event: MessageEvent<CheckRequest>) => {
  const request = event.data;
  switch (request.type) {
    case "ping":
      return reply({ type: "pong", id: request.id });
    case "dns-answer": {
      const query = pending.get(request.id);
      if (!query) return;
      pending.delete(request.id);
      if (request.error) {
        // mailauth reads `code` (ENOTFOUND, ENODATA: none; anything else: temperror).
        query.reject(Object.assign(new Error(request.error.message), { code: request.error.code }));
      } else query.resolve(request.records ?? []);
      return;
    }
    case "auth": {
      let result: CheckResponse & { type: "authenticated" };
      try {
        const { dns, ...envelope } = request.job;
        const results = await runSenderAuth(request.raw, envelope, resolverFor(dns, request.id));
        result = { type: "authenticated", id: request.id, result: results };
      } catch (error) {
        result = {
          type: "authenticated",
          id: request.id,
          result: temperror(error instanceof Error ? error.message : String(error)),
        };
      }
      reply(result);
      collectAfterLarge(request.raw.byteLength);
      return;
    }
    default:
      return;
  }
};
