import type { Socket } from "bun";
import { signWithDkim } from "../helpers/dkim";
import { argument } from "./args";
import { DKIM_SELECTOR } from "./bench-dns";
import { buildMessage, DISTINCT_SENDER_SUFFIX, type MessageKind, SENDER_DOMAIN } from "./messages";
import { quantile } from "./stats";

/**
 * The Bun SMTP load client, used when Postfix's smtp-source is not on PATH
 * (and always for the fixed-rate webhook run, which needs the queue ids).
 * Simple and PIPELINING-free, one command and one reply at a time:
 * EHLO, then per message MAIL, RCPT, DATA, the bytes and the final dot;
 * the next MAIL on the same connection (reuse) or QUIT and a new connection
 * (one connection per message). Every wait has a deadline.
 *
 * As a script it runs one load and prints a JSON `LoadResult` on stdout:
 *   bun tests/bench/smtp-load.ts --port 2525 --sessions 20 --kind 5k --mode reuse --duration-ms 3000 --max 20000
 * (`--rate N`: N messages a second at their scheduled times, open loop, instead of as fast as replies allow)
 */

export interface SmtpReply {
  code: number;
  text: string;
}

export interface SmtpConnection {
  /** The next complete reply (multi-line ones joined). */
  reply(timeoutMs?: number): Promise<SmtpReply>;
  /** Sends a command line and reads its reply. */
  command(line: string, timeoutMs?: number): Promise<SmtpReply>;
  /** Resolves once every byte has been handed to the kernel. */
  write(data: Uint8Array | string): Promise<void>;
  /** Resolves when the peer has closed the connection. */
  closed: Promise<void>;
  close(): void;
}

const REPLY_TIMEOUT_MS = 30_000;

export async function connectSmtp(host: string, port: number, timeoutMs = 10_000): Promise<SmtpConnection> {
  sweepDeadlines();
  let buffer = "";
  let isClosed = false;
  let wake: (() => void) | null = null;
  const pending: Uint8Array[] = [];
  let flushed: (() => void) | null = null;
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  const notify = () => {
    const waiter = wake;
    wake = null;
    waiter?.();
  };
  const onClosed = () => {
    isClosed = true;
    markClosed();
    notify();
    flushed?.();
  };

  const connecting = Bun.connect({
    hostname: host,
    port,
    socket: {
      data(_socket, data) {
        buffer += data.toString("latin1");
        notify();
      },
      drain(socket) {
        flush(socket);
      },
      end: onClosed,
      close: onClosed,
      error: onClosed,
      connectError: onClosed,
    },
  });
  const socket = await withDeadline(connecting, timeoutMs, `connect to ${host}:${port}`);

  function flush(target: Socket<undefined>): void {
    while (pending.length > 0) {
      const head = pending[0] as Uint8Array;
      const written = target.write(head);
      if (written < 0) {
        onClosed();
        return;
      }
      if (written < head.byteLength) {
        pending[0] = head.subarray(written);
        return;
      }
      pending.shift();
    }
    const done = flushed;
    flushed = null;
    done?.();
  }

  function takeReply(): SmtpReply | null {
    let offset = 0;
    const lines: string[] = [];
    for (;;) {
      const end = buffer.indexOf("\r\n", offset);
      if (end < 0) return null;
      const line = buffer.slice(offset, end);
      lines.push(line.slice(4));
      offset = end + 2;
      if (line.length < 4 || line.charAt(3) !== "-") {
        buffer = buffer.slice(offset);
        return { code: Number(line.slice(0, 3)), text: lines.join("\n") };
      }
    }
  }

  async function reply(timeoutMs = REPLY_TIMEOUT_MS): Promise<SmtpReply> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const got = takeReply();
      if (got) return got;
      if (isClosed)
        throw new Error(`connection closed while waiting for a reply (${JSON.stringify(buffer)})`);
      if (performance.now() >= deadline) throw new Error(`no SMTP reply within ${timeoutMs} ms`);
      // One shared sweeper enforces the deadline: a timer per reply costs more than the reply.
      let resume: () => void = noop;
      await new Promise<void>((resolve) => {
        resume = resolve;
        wake = resolve;
        waiting.set(resolve, deadline);
      });
      waiting.delete(resume);
    }
  }

  async function write(data: Uint8Array | string): Promise<void> {
    if (isClosed) throw new Error("connection closed");
    pending.push(typeof data === "string" ? Buffer.from(data, "latin1") : data);
    if (pending.length > 1) return waitFlushed();
    flush(socket);
    if (pending.length === 0) return;
    return waitFlushed();
  }

  function waitFlushed(): Promise<void> {
    return withDeadline(
      new Promise<void>((resolve) => {
        const previous = flushed;
        flushed = () => {
          previous?.();
          resolve();
        };
      }),
      REPLY_TIMEOUT_MS,
      "write",
    );
  }

  return {
    reply,
    command: async (line, timeout) => {
      await write(`${line}\r\n`);
      return reply(timeout);
    },
    write,
    closed,
    close: () => {
      if (!isClosed) socket.end();
      onClosed();
    },
  };
}

const noop = () => {};
/** Resolvers of replies being waited for, with their deadlines; woken when the deadline passes. */
const waiting = new Map<() => void, number>();
let sweeper: ReturnType<typeof setInterval> | null = null;
function sweepDeadlines(): void {
  sweeper ??= setInterval(() => {
    const now = performance.now();
    for (const [resolve, deadline] of waiting) {
      if (deadline <= now) {
        waiting.delete(resolve);
        resolve();
      }
    }
  }, 100);
  sweeper.unref();
}

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface LoadOptions {
  host: string;
  port: number;
  sessions: number;
  /** The message bytes after DATA, ending in CRLF, without the final dot. */
  message: Uint8Array;
  reuse: boolean;
  /** Stop after this many messages... */
  maxMessages: number;
  /** ...or after this long, whichever comes first. */
  durationMs: number;
  /** Fixed rate (messages per second, open loop) instead of as fast as possible. */
  rate?: number | undefined;
  mailFrom?: string | undefined;
  /** Per message (by its index in the run): another envelope sender and message than `mailFrom` and `message`. */
  senderFor?: ((index: number) => { mailFrom: string; message: Uint8Array }) | undefined;
  rcptTo?: string | undefined;
  /** Called with the queue id and the time the 250 arrived (performance.now()). */
  onAccepted?: ((queueId: string, at: number) => void) | undefined;
}

export interface LoadResult {
  sent: number;
  failed: number;
  elapsedMs: number;
  rate: number;
  /** Final dot written → 250 read, milliseconds. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: string[];
}

/** Gives up on a load whose failures pass this many (a server that refuses everything). */
const MAX_FAILURES = 200;

export async function runSmtpLoad(options: LoadOptions): Promise<LoadResult> {
  const mailFrom = options.mailFrom ?? "sender@sender.bench.localhost";
  const rcptTo = options.rcptTo ?? "bench@omnimail.localhost";
  const withDot = (message: Uint8Array) => {
    const bytes = new Uint8Array(message.byteLength + 3);
    bytes.set(message, 0);
    bytes.set(Buffer.from(".\r\n", "latin1"), message.byteLength);
    return bytes;
  };
  const fixedPayload = withDot(options.message);
  const latencies = new Float64Array(options.maxMessages);
  let sent = 0;
  let failed = 0;
  let claimed = 0;
  let lastFinished = performance.now();
  const errors: string[] = [];
  const started = performance.now();
  const deadline = started + options.durationMs;

  const claim = (): number => {
    if (claimed >= options.maxMessages || performance.now() >= deadline || failed >= MAX_FAILURES) return -1;
    return claimed++;
  };
  const fail = (error: unknown) => {
    failed++;
    if (errors.length < 5) errors.push(String(error instanceof Error ? error.message : error));
  };
  const expect = (reply: SmtpReply, code: number, step: string) => {
    if (reply.code !== code) throw new Error(`${step}: ${reply.code} ${reply.text}`);
  };
  const open = async (): Promise<SmtpConnection> => {
    const connection = await connectSmtp(options.host, options.port);
    try {
      expect(await connection.reply(), 220, "greeting");
      expect(await connection.command("EHLO client.bench.localhost"), 250, "EHLO");
      return connection;
    } catch (error) {
      connection.close();
      throw error;
    }
  };
  const quit = async (connection: SmtpConnection) => {
    try {
      await connection.command("QUIT", 2000);
      // Let the server close first, so TIME_WAIT stays on its side and our ports are reused.
      await withDeadline(connection.closed, 1000, "close").catch(noop);
    } catch {
      // closing anyway
    }
    connection.close();
  };

  const session = async () => {
    let connection: SmtpConnection | null = null;
    for (let index = claim(); index >= 0; index = claim()) {
      if (options.rate) {
        const due = started + (index * 1000) / options.rate;
        const wait = Math.min(due, deadline) - performance.now();
        if (wait > 0) await Bun.sleep(wait);
      }
      try {
        connection ??= await open();
        const sender = options.senderFor?.(index);
        const payload = sender ? withDot(sender.message) : fixedPayload;
        expect(await connection.command(`MAIL FROM:<${sender?.mailFrom ?? mailFrom}>`), 250, "MAIL");
        expect(await connection.command(`RCPT TO:<${rcptTo}>`), 250, "RCPT");
        expect(await connection.command("DATA"), 354, "DATA");
        await connection.write(payload);
        const dot = performance.now();
        const reply = await connection.reply();
        const at = performance.now();
        if (reply.code === 250) {
          latencies[sent++] = at - dot;
          const queueId = /queued as (\S+)/.exec(reply.text)?.[1];
          if (queueId) options.onAccepted?.(queueId, at);
        } else {
          fail(`final dot: ${reply.code} ${reply.text}`);
        }
        if (!options.reuse) {
          await quit(connection);
          connection = null;
        }
      } catch (error) {
        fail(error);
        connection?.close();
        connection = null;
      }
      lastFinished = Math.max(lastFinished, performance.now());
    }
    if (connection) await quit(connection);
  };

  await Promise.all(Array.from({ length: options.sessions }, session));
  // To the last message done: the closing QUIT of reused connections is not a message.
  const elapsedMs = lastFinished - started;
  const accepted = latencies.subarray(0, sent);
  return {
    sent,
    failed,
    elapsedMs,
    rate: (sent * 1000) / elapsedMs,
    latencyP50Ms: quantile(accepted, 0.5),
    latencyP99Ms: quantile(accepted, 0.99),
    errors,
  };
}

/**
 * `--sender-domains TAG`: message `i` comes from `sender@d<i>.TAG.distinct.bench.localhost`, in the envelope
 * and the From header, so each message's SPF and DMARC names are new to the server (tests/bench/bench-dns.ts
 * answers for them). The message is built once; only the domain changes.
 */
function distinctSenders(
  kind: MessageKind,
  rcptTo: string,
  tag: string,
): (index: number) => { mailFrom: string; message: Uint8Array } {
  const placeholder = "sender-domain.placeholder";
  const parts = Buffer.from(buildMessage(kind, { from: `sender@${placeholder}`, to: rcptTo }))
    .toString("latin1")
    .split(placeholder);
  return (index) => {
    const domain = `d${index}.${tag}.${DISTINCT_SENDER_SUFFIX}`;
    return { mailFrom: `sender@${domain}`, message: Buffer.from(parts.join(domain), "latin1") };
  };
}

/**
 * `--dkim`: the message signed once with the key in BENCH_DKIM_PRIVATE_KEY, whose public half
 * bench-dns.ts publishes; every send is the same bytes, so the signature verifies each time.
 */
function signedWithDkim(message: Uint8Array): Promise<Uint8Array> {
  const privateKeyPem = process.env.BENCH_DKIM_PRIVATE_KEY;
  if (!privateKeyPem) throw new Error("--dkim needs BENCH_DKIM_PRIVATE_KEY");
  return signWithDkim(message, { domain: SENDER_DOMAIN, selector: DKIM_SELECTOR, privateKeyPem });
}

if (import.meta.main) {
  const kind = argument("kind", "5k") as MessageKind;
  const rcptTo = argument("rcpt", "bench@omnimail.localhost");
  const tag = argument("sender-domains", "");
  const unsigned = buildMessage(kind, { from: `sender@${SENDER_DOMAIN}`, to: rcptTo });
  const result = await runSmtpLoad({
    host: argument("host", "127.0.0.1"),
    port: Number(argument("port")),
    sessions: Number(argument("sessions", "1")),
    message: process.argv.includes("--dkim") ? await signedWithDkim(unsigned) : unsigned,
    reuse: argument("mode", "reuse") === "reuse",
    maxMessages: Number(argument("max", "10000")),
    durationMs: Number(argument("duration-ms", "3000")),
    rate: process.argv.includes("--rate") ? Number(argument("rate")) : undefined,
    rcptTo,
    senderFor: tag ? distinctSenders(kind, rcptTo, tag) : undefined,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
