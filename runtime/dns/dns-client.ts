import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { connect, isIPv6 } from "node:net";
import * as packet from "dns-packet";
import { type CachedAnswer, createDnsCache, type DnsCache } from "./dns-cache";

/**
 * The DNS client of the sender checks (SPF, DKIM, DMARC, ARC), shaped like
 * node:dns `resolve(name, rrtype)` for mailauth. Why our own and not Bun's
 * node:dns: Bun 1.4.5 returns a TXT record longer than 255 bytes as one record
 * per 255-byte piece (oven-sh/bun#21370), which breaks 2048-bit DKIM keys, and
 * its timeouts under a second last a second. What it adds:
 *   - a shared cache: positive answers for their TTL, negative ones for the
 *     SOA's negative TTL (RFC 2308), or 30 s when the answer has no SOA,
 *     bounded in entries (dns-cache.ts);
 *   - coalescing: concurrent identical questions make one query;
 *   - tail control: when a query has no answer after the hedge delay, a second
 *     one goes to the next server (or again to the same), and the first answer
 *     wins, so one lost UDP packet costs the hedge delay, not a timeout. The
 *     delay follows the servers (hedged requests, as in "The Tail at Scale"):
 *     three times the 90th percentile of the last 200 answer times, at least
 *     10 ms and at most a fifth of the timeout (50–150 ms), which is also the
 *     delay until 20 answers have been seen. A local resolver answering in a
 *     millisecond gets a 10 ms hedge; a recursive one whose misses take 50 ms
 *     keeps 150 ms, so hedging never doubles its load;
 *   - TCP when an answer is truncated.
 * Servers: OMNIMAIL_DNS_SERVERS, else the system's /etc/resolv.conf.
 */
export type DnsRecordType = "TXT" | "A" | "AAAA" | "MX" | "PTR" | "CNAME";

export interface DnsServer {
  host: string;
  port: number;
}

export interface DnsClientOptions {
  servers?: DnsServer[] | undefined;
  /** The whole lookup, hedge included; past it the answer is ETIMEOUT. */
  timeoutMs: number;
  /** Wait this long for a first answer before a second query goes out (default: adaptive, see above). */
  hedgeMs?: number | undefined;
  cache?: DnsCache | undefined;
}

export interface DnsClient {
  /**
   * `fresh`: ask the server even if the cache has an answer (domain verification:
   * a record published a minute ago must not wait out a cached NXDOMAIN). The
   * answer still refreshes the cache.
   */
  resolve(name: string, rrtype: string, options?: { fresh?: boolean }): Promise<unknown[]>;
  readonly stats: { queries: number; cacheHits: number; coalesced: number; hedged: number };
}

/** `ip`, `ip:port`, `[ipv6]:port`, comma-separated (OMNIMAIL_DNS_SERVERS). */
export function parseDnsServers(value: string): DnsServer[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "")
    .map((item) => {
      const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(item);
      if (bracketed?.[1]) return { host: bracketed[1], port: Number(bracketed[2] ?? 53) };
      if (isIPv6(item)) return { host: item, port: 53 };
      const [host = "", port] = item.split(":");
      return { host, port: Number(port ?? 53) };
    });
}

/** The system's name servers, as the C library reads them. */
export function systemDnsServers(): DnsServer[] {
  try {
    const servers = readFileSync("/etc/resolv.conf", "utf8")
      .split("\n")
      .map((line) => /^\s*nameserver\s+(\S+)/.exec(line)?.[1])
      .filter((host): host is string => Boolean(host))
      .map((host) => ({ host: host.replace(/%.*$/, ""), port: 53 }));
    if (servers.length > 0) return servers;
  } catch {
    // no resolv.conf (containers without one): fall through
  }
  return [{ host: "127.0.0.1", port: 53 }];
}

const dnsError = (code: string, name: string, rrtype: string) =>
  Object.assign(new Error(`query${rrtype} ${code} ${name}`), { code, hostname: name });

export function createDnsClient(options: DnsClientOptions): DnsClient {
  const servers = options.servers?.length ? options.servers : systemDnsServers();
  const timeoutMs = options.timeoutMs;
  const hedgeCapMs = Math.min(150, Math.max(50, Math.round(timeoutMs / 5)));
  const answerTimes = createAnswerTimes();
  const hedgeDelay = () => options.hedgeMs ?? answerTimes.hedgeMs(hedgeCapMs);
  const cache = options.cache ?? createDnsCache();
  const inFlight = new Map<string, Promise<CachedAnswer>>();
  const stats = { queries: 0, cacheHits: 0, coalesced: 0, hedged: 0 };
  let nextServer = 0;

  const ask = async (name: string, type: DnsRecordType): Promise<CachedAnswer> => {
    const deadline = Date.now() + timeoutMs;
    const askedAt = performance.now();
    const first = servers[nextServer++ % servers.length] as DnsServer;
    const response = await new Promise<packet.DecodedPacket>((resolve, reject) => {
      let settled = false;
      const stops: Array<() => void> = [];
      const finish = (result: packet.DecodedPacket | Error) => {
        if (settled) return;
        settled = true;
        for (const stop of stops) stop();
        if (!(result instanceof Error)) answerTimes.record(performance.now() - askedAt);
        result instanceof Error ? reject(result) : resolve(result);
      };
      const send = (server: DnsServer) => {
        stats.queries++;
        stops.push(exchangeUdp(server, name, type, deadline, finish));
      };
      send(first);
      const hedge = setTimeout(() => {
        stats.hedged++;
        send(servers[nextServer++ % servers.length] as DnsServer);
      }, hedgeDelay());
      const timeout = setTimeout(() => finish(dnsError("ETIMEOUT", name, type)), timeoutMs);
      stops.push(
        () => clearTimeout(hedge),
        () => clearTimeout(timeout),
      );
    });
    return toAnswer(response, name, type);
  };

  return {
    stats,
    async resolve(rawName, rrtype, options = {}) {
      const type = rrtype.toUpperCase() as DnsRecordType;
      const name = rawName.replace(/\.$/, "").toLowerCase();
      const key = `${type} ${name}`;
      // mailauth passes its own third argument ({ clientIpType }); only ours has `fresh`.
      let answer = options.fresh === true ? undefined : cache.get(key);
      if (answer) stats.cacheHits++;
      else {
        let pending = inFlight.get(key);
        if (pending) stats.coalesced++;
        else {
          pending = ask(name, type).finally(() => inFlight.delete(key));
          inFlight.set(key, pending);
          pending.then(
            (fresh) => cache.set(key, fresh, ttlOf(fresh)),
            () => {},
          );
        }
        answer = await pending;
      }
      if (answer.kind === "error") throw dnsError(answer.code, name, type);
      return answer.records;
    },
  };
}

const ANSWER_TIMES_KEPT = 200;
const ANSWER_TIMES_NEEDED = 20;
const HEDGE_FLOOR_MS = 10;

/** The last answer times (ms, to the first answer), and the hedge delay they give. */
function createAnswerTimes() {
  const times = new Float64Array(ANSWER_TIMES_KEPT);
  let count = 0;
  let cachedMs: number | null = null;
  return {
    record(ms: number) {
      times[count++ % ANSWER_TIMES_KEPT] = ms;
      // Recomputed every 10 answers: a sort of 200 numbers per query would be waste.
      if (count % 10 === 0) cachedMs = null;
    },
    hedgeMs(capMs: number): number {
      if (count < ANSWER_TIMES_NEEDED) return capMs;
      if (cachedMs === null) {
        const kept = Array.from(times.subarray(0, Math.min(count, ANSWER_TIMES_KEPT))).sort((a, b) => a - b);
        const p90 = kept[Math.floor(kept.length * 0.9)] ?? capMs;
        cachedMs = Math.ceil(3 * p90);
      }
      return Math.min(capMs, Math.max(HEDGE_FLOOR_MS, cachedMs));
    },
  };
}

/**
 * Seconds a negative answer without an SOA is kept. Some forwarding resolvers
 * send NXDOMAIN and NODATA with an empty authority section; RFC 2308 §5 says
 * not to cache those, for fear of two servers handing the answer back and
 * forth forever. A cache that answers only this process cannot loop, and
 * caching nothing means asking again for every message from a domain without
 * SPF or DMARC: at a hundred messages a second, hundreds of queries a second,
 * which rate-limited resolvers answer by dropping queries (each a timeout on
 * the reply path). Half a minute, as dnsmasq's `neg-ttl` does it: a record
 * published now is seen within it, and domain verification asks afresh.
 */
const NEGATIVE_TTL_WITHOUT_SOA = 30;

/** TTLs ride on the answer value, so the cache can use them without a second pass. */
const ttls = new WeakMap<CachedAnswer, number>();
const ttlOf = (answer: CachedAnswer) => ttls.get(answer) ?? 0;

function toAnswer(response: packet.DecodedPacket, name: string, type: DnsRecordType): CachedAnswer {
  const rcode = (response as packet.DecodedPacket & { rcode?: string }).rcode ?? "NOERROR";
  const negativeTtl = () => {
    const soa = (response.authorities ?? []).find((answer) => answer.type === "SOA") as
      | packet.SoaAnswer
      | undefined;
    return soa ? Math.min(soa.ttl ?? 0, soa.data.minimum ?? 0) : NEGATIVE_TTL_WITHOUT_SOA;
  };
  if (rcode === "NXDOMAIN") {
    const answer: CachedAnswer = { kind: "error", code: "ENOTFOUND" };
    ttls.set(answer, negativeTtl());
    return answer;
  }
  if (rcode !== "NOERROR") throw dnsError(rcode === "SERVFAIL" ? "ESERVFAIL" : `E${rcode}`, name, type);
  const matching = (response.answers ?? []).filter((answer) => answer.type === type);
  if (matching.length === 0) {
    const answer: CachedAnswer = { kind: "error", code: "ENODATA" };
    ttls.set(answer, negativeTtl());
    return answer;
  }
  const records = matching.map((answer) => recordValue(answer, type));
  const answer: CachedAnswer = { kind: "records", records };
  ttls.set(answer, Math.min(...matching.map((entry) => (entry as { ttl?: number }).ttl ?? 0)));
  return answer;
}

/** The shapes node:dns resolve() gives, which mailauth expects. */
function recordValue(answer: packet.Answer, type: DnsRecordType): unknown {
  const data = (answer as { data: unknown }).data;
  if (type === "TXT") {
    const pieces = Array.isArray(data) ? data : [data];
    // One record stays one record: its character-strings, in order (DKIM keys are longer than 255 bytes).
    return pieces.map((piece) =>
      typeof piece === "string" ? piece : Buffer.from(piece as Uint8Array).toString(),
    );
  }
  if (type === "MX") {
    const mx = data as packet.MxData;
    return { exchange: mx.exchange, priority: mx.preference ?? 0 };
  }
  return String(data);
}

/** One UDP question to one server; calls `done` with the answer (or nothing: the caller's timer decides). Returns a stop. */
function exchangeUdp(
  server: DnsServer,
  name: string,
  type: DnsRecordType,
  deadline: number,
  done: (result: packet.DecodedPacket | Error) => void,
): () => void {
  const id = Math.floor(Math.random() * 65_536);
  const query = packet.encode({
    type: "query",
    id,
    flags: packet.RECURSION_DESIRED,
    questions: [{ type, name }],
  });
  const socket = createSocket(isIPv6(server.host) ? "udp6" : "udp4");
  let open = true;
  const stop = () => {
    if (!open) return;
    open = false;
    socket.close();
  };
  socket.on("error", () => stop());
  socket.on("message", (message) => {
    let decoded: packet.DecodedPacket;
    try {
      decoded = packet.decode(message);
    } catch {
      return;
    }
    if (decoded.id !== id || decoded.type !== "response") return;
    stop();
    if (decoded.flag_tc) {
      exchangeTcp(server, query, deadline).then(done, (error: unknown) =>
        done(error instanceof Error ? error : new Error(String(error))),
      );
      return;
    }
    done(decoded);
  });
  socket.send(query, server.port, server.host, (error) => {
    if (error) stop();
  });
  return stop;
}

/** The same question over TCP (two-byte length prefix), for an answer too big for UDP. */
function exchangeTcp(server: DnsServer, query: Buffer, deadline: number): Promise<packet.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error("ETIMEOUT")), Math.max(1, deadline - Date.now()));
    socket.on("connect", () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(query.byteLength);
      socket.end(Buffer.concat([length, query]));
    });
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      if (all.byteLength < 2) return reject(new Error("empty TCP answer"));
      try {
        resolve(packet.decode(all.subarray(2, 2 + all.readUInt16BE(0))));
      } catch (error) {
        reject(error);
      }
    });
  });
}
