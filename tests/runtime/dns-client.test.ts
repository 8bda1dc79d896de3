import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createDnsCache } from "../../runtime/dns/dns-cache";
import { createDnsClient, parseDnsServers } from "../../runtime/dns/dns-client";
import { type DnsServer, startDnsServer } from "../helpers/dns-server";

// The sender checks' DNS client against a real DNS server on 127.0.0.1.
let dns: DnsServer;
const longKey = `v=DKIM1; k=rsa; p=${"A".repeat(392)}`;

beforeAll(async () => {
  dns = await startDnsServer({
    "s1._domainkey.sender.test": { TXT: { values: [longKey], ttl: 300 } },
    "sender.test": {
      TXT: ["v=spf1 ip4:192.0.2.0/24 -all"],
      MX: [{ preference: 10, exchange: "mx.sender.test" }],
    },
    "short.test": { A: { values: ["192.0.2.9"], ttl: 1 } },
  });
});
afterAll(() => dns.stop());

const client = (options: { timeoutMs?: number; hedgeMs?: number } = {}) =>
  createDnsClient({
    servers: parseDnsServers(dns.address),
    timeoutMs: options.timeoutMs ?? 1000,
    hedgeMs: options.hedgeMs,
    cache: createDnsCache(),
  });

describe("the sender checks' DNS client", () => {
  test("a TXT record longer than 255 bytes is one record whose strings join to the key", async () => {
    const records = (await client().resolve("s1._domainkey.sender.test", "TXT")) as string[][];
    expect(records.length).toBe(1);
    expect(records[0]?.join("")).toBe(longKey);
  });

  test("MX and A answers have node:dns's shapes; NXDOMAIN is ENOTFOUND, NODATA ENODATA", async () => {
    const resolver = client();
    expect(await resolver.resolve("sender.test", "MX")).toEqual([
      { exchange: "mx.sender.test", priority: 10 },
    ]);
    expect(await resolver.resolve("short.test", "A")).toEqual(["192.0.2.9"]);
    await expect(resolver.resolve("nowhere.test", "TXT")).rejects.toMatchObject({ code: "ENOTFOUND" });
    await expect(resolver.resolve("short.test", "TXT")).rejects.toMatchObject({ code: "ENODATA" });
  });

  test("answers are cached for their TTL; the second message from a domain asks nothing", async () => {
    const resolver = client();
    dns.resetQueries();
    await resolver.resolve("sender.test", "TXT");
    await resolver.resolve("sender.test", "TXT");
    expect(dns.queries.filter((query) => query.name === "sender.test").length).toBe(1);
    // A 1 s TTL runs out.
    await resolver.resolve("short.test", "A");
    await Bun.sleep(1100);
    await resolver.resolve("short.test", "A");
    expect(dns.queries.filter((query) => query.name === "short.test").length).toBe(2);
  });

  test("a negative answer is cached for the SOA minimum (RFC 2308)", async () => {
    const resolver = client();
    dns.setSoaMinimum(1);
    dns.resetQueries();
    for (let i = 0; i < 3; i++) await expect(resolver.resolve("missing.test", "TXT")).rejects.toThrow();
    expect(dns.queries.length).toBe(1);
    await Bun.sleep(1100);
    await expect(resolver.resolve("missing.test", "TXT")).rejects.toThrow();
    expect(dns.queries.length).toBe(2);
    dns.setSoaMinimum(60);
  });

  test("a negative answer without an SOA is cached for 30 s, not asked again for every message", async () => {
    let now = Date.now();
    const resolver = createDnsClient({
      servers: parseDnsServers(dns.address),
      timeoutMs: 1000,
      cache: createDnsCache({ now: () => now }),
    });
    dns.setSoaMinimum(null);
    dns.resetQueries();
    try {
      for (let i = 0; i < 3; i++) {
        await expect(resolver.resolve("no-soa.test", "TXT")).rejects.toMatchObject({ code: "ENOTFOUND" });
        await expect(resolver.resolve("sender.test", "A")).rejects.toMatchObject({ code: "ENODATA" });
      }
      expect(dns.queries.length).toBe(2);
      now += 29_000;
      await expect(resolver.resolve("no-soa.test", "TXT")).rejects.toThrow();
      expect(dns.queries.length).toBe(2);
      now += 2_000;
      await expect(resolver.resolve("no-soa.test", "TXT")).rejects.toThrow();
      expect(dns.queries.length).toBe(3);
    } finally {
      dns.setSoaMinimum(60);
    }
  });

  test("concurrent identical questions make one query", async () => {
    const resolver = client();
    dns.resetQueries();
    dns.setDelay(50);
    await Promise.all(Array.from({ length: 10 }, () => resolver.resolve("sender.test", "MX")));
    dns.setDelay(0);
    expect(dns.queries.length).toBe(1);
    expect(resolver.stats.coalesced).toBe(9);
  });

  test("a lost packet costs the hedge, not the timeout", async () => {
    const resolver = client({ timeoutMs: 2000, hedgeMs: 100 });
    dns.dropNext(1);
    const started = performance.now();
    expect(await resolver.resolve("sender.test", "TXT")).toEqual([["v=spf1 ip4:192.0.2.0/24 -all"]]);
    expect(performance.now() - started).toBeLessThan(600);
    expect(resolver.stats.hedged).toBe(1);
  });

  test("the hedge follows the server: after answers in a millisecond, a held answer costs about 10 ms, not 150", async () => {
    const resolver = client({ timeoutMs: 750 });
    // Distinct names, so every one is a query (and an NXDOMAIN, answered at once).
    for (let n = 0; n < 30; n++) await expect(resolver.resolve(`warm${n}.test`, "TXT")).rejects.toThrow();
    const held = new Set<string>();
    // The first question for each name is held for a second; the hedged repeat is answered at once.
    dns.setDelay((query) => {
      if (held.has(query.name)) return 0;
      held.add(query.name);
      return 1000;
    });
    const started = performance.now();
    expect(await resolver.resolve("sender.test", "TXT")).toEqual([["v=spf1 ip4:192.0.2.0/24 -all"]]);
    const took = performance.now() - started;
    dns.setDelay(0);
    expect(resolver.stats.hedged).toBe(1);
    expect(took).toBeLessThan(100);
  });

  test("a slow server keeps the longest hedge delay: hedging does not double its load", async () => {
    const resolver = client({ timeoutMs: 750 });
    dns.setDelay(40);
    for (let n = 0; n < 25; n++) await expect(resolver.resolve(`slow${n}.test`, "TXT")).rejects.toThrow();
    dns.setDelay(0);
    // 3 × 40 ms is within the 150 ms bound, so answers are not hedged (a 10 ms hedge would have hedged all 25);
    // one or two may be, when this machine runs a timer late.
    expect(resolver.stats.hedged).toBeLessThanOrEqual(2);
  });

  test("no answer at all: ETIMEOUT at the timeout, not later", async () => {
    const resolver = client({ timeoutMs: 300, hedgeMs: 100 });
    dns.dropNext(5);
    const started = performance.now();
    await expect(resolver.resolve("sender.test", "A")).rejects.toMatchObject({ code: "ETIMEOUT" });
    expect(performance.now() - started).toBeLessThan(800);
    dns.dropNext(0);
  });

  test("servers are parsed from OMNIMAIL_DNS_SERVERS", () => {
    expect(parseDnsServers("127.0.0.1, 10.0.0.2:5353,[::1]:53, 2001:db8::1")).toEqual([
      { host: "127.0.0.1", port: 53 },
      { host: "10.0.0.2", port: 5353 },
      { host: "::1", port: 53 },
      { host: "2001:db8::1", port: 53 },
    ]);
  });
});
