import { createSocket, type RemoteInfo, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server as TcpServer, type Socket as TcpSocket } from "node:net";
import * as dnsPacket from "dns-packet";

/**
 * A real DNS server for tests, on 127.0.0.1 and an ephemeral port, UDP and TCP on the same port. It is
 * authoritative for every name: what is in `records` answers, an unknown name is NXDOMAIN, a known name
 * without the asked type is NODATA, both with an SOA in the authority section whose minimum (and TTL) is
 * the negative-caching TTL of RFC 2308 §5 (or none: `setSoaMinimum(null)`). Point `node:dns`'s `Resolver` at `address`:
 *
 *   await using dns = await startDnsServer({ "example.com": { TXT: ["v=spf1 -all"] } });
 *   const resolver = new Resolver({ timeout: 300, tries: 1 });
 *   resolver.setServers([dns.address]);
 *
 * The wire format is dns-packet's; the sockets are node:dgram and node:net.
 *
 * Bun 1.4's own node:dns is not Node's against any server, this one included (the test file pins it):
 * a TXT record longer than 255 bytes comes back as one record per chunk (oven-sh/bun#21370), NODATA as
 * ENOTFOUND, answers are cached per Resolver for their TTL (c-ares' query cache: use ttl 0 and
 * `setSoaMinimum(0)` to reach the server every time), and a timeout under a second lasts about a second.
 */

export type DnsRecordType = "TXT" | "A" | "AAAA" | "MX" | "CNAME";

export interface MxValue {
  preference: number;
  exchange: string;
}

/** The values of one record set, by type. A CNAME set holds one target. */
export interface DnsValues {
  TXT: string[];
  A: string[];
  AAAA: string[];
  MX: MxValue[];
  CNAME: string[];
}

export interface DnsRecordSet<T extends DnsRecordType = DnsRecordType> {
  values: DnsValues[T];
  /** Seconds. */
  ttl: number;
}

/** What `startDnsServer` takes: values alone (with the default TTL) or values with their TTL. */
export type DnsRecords = Record<string, { [T in DnsRecordType]?: DnsValues[T] | DnsRecordSet<T> }>;

/** The server's records: names in lower case without the trailing dot. */
export type DnsZone = Record<string, { [T in DnsRecordType]?: DnsRecordSet<T> }>;

export interface DnsQuery {
  /** Lower case, without the trailing dot. */
  name: string;
  /** `"TXT"`, `"A"`, …, as dns-packet names it (`"UNKNOWN_65280"` for one it does not know). */
  type: string;
  /** `Date.now()` when it arrived. */
  at: number;
  transport: "udp" | "tcp";
}

export interface DnsServer {
  host: "127.0.0.1";
  port: number;
  /** `127.0.0.1:PORT`, for `resolver.setServers([address])`. */
  address: string;
  /** Read it; change it with `set` and `remove`, which keep names normalised. */
  readonly records: DnsZone;
  /** Every question received, answered or dropped, in order. */
  readonly queries: DnsQuery[];
  /** Replaces the record set of `type` at `name`. `ttl` defaults to 300 s. */
  set<T extends DnsRecordType>(name: string, type: T, values: DnsValues[T], ttl?: number): void;
  /** Removes one record set, or every record set of the name (which then is NXDOMAIN). */
  remove(name: string, type?: DnsRecordType): void;
  /** Holds each answer for `ms`, or for what the function says for that question. 0 turns it off. */
  setDelay(delay: number | ((query: DnsQuery) => number)): void;
  /** Answers nothing at all to the next `n` queries: a lost packet, so the client times out. */
  dropNext(n: number): void;
  /**
   * The SOA minimum (and SOA TTL) of negative answers, in seconds; 60 by default. `null`: negative
   * answers carry no SOA, as some forwarding resolvers send them.
   */
  setSoaMinimum(seconds: number | null): void;
  resetQueries(): void;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const defaultTtl = 300;
const defaultSoaMinimum = 60;
/** RFC 1035 §4.2.1: a UDP message without EDNS is at most 512 bytes; longer answers set TC. */
const plainUdpLimit = 512;
/** The payload size we advertise in our OPT record (the DNS Flag Day 2020 value). */
const ednsPayloadSize = 1232;
/** How long a CNAME chain inside our records may be before we stop following it. */
const maxCnameHops = 8;
const portAttempts = 5;
const recordTypes: readonly DnsRecordType[] = ["TXT", "A", "AAAA", "MX", "CNAME"];
// RFC 1035 §4.1.1 RCODEs.
const rcode = { formErr: 1, servFail: 2, nxDomain: 3, notImp: 4 } as const;

export function normalizeDnsName(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

/**
 * Splits a TXT value into character-strings of at most 255 bytes (RFC 1035 §3.3.14), never inside a
 * UTF-8 sequence, so a client that decodes each chunk on its own still gets the text back.
 * dns-packet writes each chunk's length into one byte, so a longer chunk would go out corrupted.
 */
export function splitTxtValue(value: string): Buffer[] {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length === 0) return [bytes];
  const chunks: Buffer[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + 255, bytes.length);
    // Step back off continuation bytes (10xxxxxx) so the chunk ends on a character boundary.
    if (end < bytes.length) while (end > start && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    chunks.push(bytes.subarray(start, end));
    start = end;
  }
  return chunks;
}

function toRecordSet<T extends DnsRecordType>(type: T, values: DnsValues[T], ttl: number): DnsRecordSet<T> {
  if (type === "CNAME" && values.length > 1) throw new Error("a CNAME record set holds one target");
  return { values: [...values] as DnsValues[T], ttl };
}

function isRecordSet<T extends DnsRecordType>(
  input: DnsValues[T] | DnsRecordSet<T>,
): input is DnsRecordSet<T> {
  return !Array.isArray(input);
}

function toAnswers(name: string, type: DnsRecordType, set: DnsRecordSet): dnsPacket.Answer[] {
  const { ttl } = set;
  switch (type) {
    case "TXT":
      return (set.values as string[]).map((value) => ({ type, name, ttl, data: splitTxtValue(value) }));
    case "MX":
      return (set.values as MxValue[]).map((data) => ({ type, name, ttl, data: { ...data } }));
    case "A":
    case "AAAA":
    case "CNAME":
      return (set.values as string[]).map((data) => ({ type, name, ttl, data }));
  }
}

/** The apex we pretend the SOA belongs to: the last two labels (`example.com` for `a.b.example.com`). */
function zoneApex(name: string): string {
  return name.split(".").slice(-2).join(".") || ".";
}

export async function startDnsServer(initial: DnsRecords = {}): Promise<DnsServer> {
  const records: DnsZone = {};
  const queries: DnsQuery[] = [];
  let delay: number | ((query: DnsQuery) => number) = 0;
  let toDrop = 0;
  let soaMinimum: number | null = defaultSoaMinimum;

  const set = <T extends DnsRecordType>(name: string, type: T, values: DnsValues[T], ttl = defaultTtl) => {
    const key = normalizeDnsName(name);
    const entry = records[key] ?? {};
    (entry as Record<T, DnsRecordSet<T>>)[type] = toRecordSet(type, values, ttl);
    records[key] = entry;
  };
  for (const [name, sets] of Object.entries(initial)) {
    for (const type of recordTypes) {
      const input = sets[type];
      if (input === undefined) continue;
      if (isRecordSet(input)) set(name, type, input.values, input.ttl);
      else set(name, type, input);
    }
  }

  /** A name exists if it has records or a name below it does (an empty non-terminal: RFC 8020). */
  const nameExists = (name: string) =>
    Object.entries(records).some(
      ([known, sets]) =>
        (known === name || known.endsWith(`.${name}`)) && Object.values(sets).some((s) => s !== undefined),
    );

  const soaFor = (name: string, minimum: number): dnsPacket.Answer => {
    const apex = zoneApex(name);
    return {
      type: "SOA",
      name: apex,
      // RFC 2308 §5: the negative TTL is the lesser of the SOA's TTL and its minimum; keep them equal.
      ttl: minimum,
      data: {
        mname: `ns.${apex}`,
        rname: `hostmaster.${apex}`,
        serial: 1,
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minimum,
      },
    };
  };

  /** The encoded answer to one query: truncated (TC) when it is too long for UDP. */
  const answer = (query: dnsPacket.DecodedPacket, transport: "udp" | "tcp"): Buffer => {
    const question = query.questions?.[0];
    const opt = query.additionals?.find((a) => a.type === "OPT");
    const response: dnsPacket.Packet = {
      type: "response",
      id: query.id ?? 0,
      flags:
        dnsPacket.AUTHORITATIVE_ANSWER |
        dnsPacket.RECURSION_AVAILABLE |
        (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0),
      questions: question ? [question] : [],
      answers: [],
      authorities: [],
      additionals: opt
        ? [
            {
              type: "OPT",
              name: ".",
              udpPayloadSize: ednsPayloadSize,
              extendedRcode: 0,
              ednsVersion: 0,
              flags: 0,
              flag_do: false,
              options: [],
            },
          ]
        : [],
    };
    const withRcode = (code: number) => {
      response.flags = (response.flags ?? 0) | code;
      return response;
    };
    let packet: dnsPacket.Packet;
    if (!question) packet = withRcode(rcode.formErr);
    else if ((query as { opcode?: string }).opcode !== "QUERY") packet = withRcode(rcode.notImp);
    else packet = resolveQuestion(question, response, withRcode);

    const encoded = dnsPacket.encode(packet);
    const udpLimit = opt && opt.type === "OPT" ? Math.max(plainUdpLimit, opt.udpPayloadSize) : plainUdpLimit;
    if (transport === "udp" && encoded.length > udpLimit) {
      // RFC 1035 §4.2.1 / RFC 7766: too long for UDP; TC tells the client to ask again over TCP.
      return dnsPacket.encode({
        ...packet,
        flags: (packet.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE,
        answers: [],
        authorities: [],
      });
    }
    return encoded;
  };

  const resolveQuestion = (
    question: dnsPacket.Question,
    response: dnsPacket.Packet,
    withRcode: (code: number) => dnsPacket.Packet,
  ): dnsPacket.Packet => {
    const answers = response.answers ?? [];
    let name = normalizeDnsName(question.name);
    const type = question.type;
    // Follow CNAMEs inside our records (RFC 1034 §4.3.2); the RCODE is that of the last name (RFC 6604).
    for (let hop = 0; hop <= maxCnameHops; hop++) {
      const sets = records[name];
      const wanted = recordTypes.includes(type as DnsRecordType) ? sets?.[type as DnsRecordType] : undefined;
      if (wanted && wanted.values.length > 0) {
        answers.push(...toAnswers(name, type as DnsRecordType, wanted));
        return response;
      }
      const cname = sets?.CNAME;
      const target = cname?.values[0];
      if (cname && target !== undefined && type !== "CNAME") {
        answers.push(...toAnswers(name, "CNAME", cname));
        name = normalizeDnsName(target);
        continue;
      }
      response.authorities = soaMinimum === null ? [] : [soaFor(name, soaMinimum)];
      return nameExists(name) ? response : withRcode(rcode.nxDomain);
    }
    // A CNAME loop, or a chain longer than we follow: what a resolver answers for it.
    response.answers = [];
    return withRcode(rcode.servFail);
  };

  /** Records the question, then answers it (after any delay) unless it is to be dropped. */
  const handle = (message: Buffer, transport: "udp" | "tcp", reply: (answer: Buffer) => void) => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return; // Not DNS: say nothing, as a real server would to garbage.
    }
    if (query.type !== "query") return;
    const question = query.questions?.[0];
    const entry: DnsQuery = {
      name: question ? normalizeDnsName(question.name) : "",
      type: question?.type ?? "",
      at: Date.now(),
      transport,
    };
    if (question) queries.push(entry);
    if (toDrop > 0) {
      toDrop--;
      return;
    }
    const ms = typeof delay === "function" ? delay(entry) : delay;
    const send = () => {
      if (!stopped) reply(answer(query, transport));
    };
    if (ms > 0) {
      const timer = setTimeout(() => {
        pending.delete(timer);
        send();
      }, ms);
      pending.add(timer);
    } else send();
  };

  let stopped = false;
  const pending = new Set<ReturnType<typeof setTimeout>>();
  const connections = new Set<TcpSocket>();
  const { udp, tcp, port } = await bindBoth(
    (message, from) =>
      handle(message, "udp", (out) => {
        udp.send(out, from.port, from.address);
      }),
    (socket) => {
      connections.add(socket);
      socket.on("close", () => connections.delete(socket));
      socket.on("error", () => socket.destroy());
      // RFC 1035 §4.2.2: each message is preceded by its two-byte length.
      let buffered = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2) {
          const length = buffered.readUInt16BE(0);
          if (buffered.length < 2 + length) break;
          const message = buffered.subarray(2, 2 + length);
          buffered = buffered.subarray(2 + length);
          handle(message, "tcp", (out) => {
            if (socket.destroyed) return;
            const frame = Buffer.alloc(2 + out.length);
            frame.writeUInt16BE(out.length, 0);
            out.copy(frame, 2);
            socket.write(frame);
          });
        }
      });
    },
  );

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const timer of pending) clearTimeout(timer);
    pending.clear();
    for (const socket of connections) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => udp.close(() => resolve())),
      new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
  };

  return {
    host: "127.0.0.1",
    port,
    address: `127.0.0.1:${port}`,
    records,
    queries,
    set,
    remove(name, type) {
      const key = normalizeDnsName(name);
      const entry = records[key];
      if (!entry) return;
      if (type) delete entry[type];
      if (!type || Object.keys(entry).length === 0) delete records[key];
    },
    setDelay(next) {
      delay = next;
    },
    dropNext(n) {
      toDrop = n;
    },
    setSoaMinimum(seconds) {
      soaMinimum = seconds;
    },
    resetQueries() {
      queries.length = 0;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Binds UDP on an ephemeral port, then TCP on the same number; tries again if TCP finds it taken. */
async function bindBoth(
  onMessage: (message: Buffer, from: RemoteInfo) => void,
  onConnection: (socket: TcpSocket) => void,
): Promise<{ udp: UdpSocket; tcp: TcpServer; port: number }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < portAttempts; attempt++) {
    const udp = createSocket("udp4");
    udp.on("message", onMessage);
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(0, "127.0.0.1", () => {
        udp.off("error", reject);
        resolve();
      });
    });
    // A send to a client that has gone away must not take the test process down.
    udp.on("error", () => {});
    const port = udp.address().port;
    const tcp = createServer(onConnection);
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen(port, "127.0.0.1", () => {
          tcp.off("error", reject);
          resolve();
        });
      });
      return { udp, tcp, port };
    } catch (error) {
      lastError = error;
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    }
  }
  throw new Error(`no port free for both UDP and TCP after ${portAttempts} attempts`, { cause: lastError });
}
