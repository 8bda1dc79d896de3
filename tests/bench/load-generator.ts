import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildMessage, type MessageKind } from "./messages";
import { BUN, runToCompletion } from "./processes";
import type { LoadResult } from "./smtp-load";

/**
 * One interface over the two load generators: Postfix's smtp-source when it is
 * on PATH (Debian: `apt install postfix`), else our Bun client
 * (tests/bench/smtp-load.ts), each run as its own process.
 */

export interface LoadCell {
  kind: MessageKind;
  sessions: number;
  reuse: boolean;
}

/** What a load may change beyond its cell. */
export interface LoadVariant {
  /** A distinct sender domain per message, `d<i>.<tag>.distinct.bench.localhost` (envelope and From). */
  senderDomains?: string | undefined;
  /** Sign every message with this DKIM key (PKCS#8 PEM; bench-dns.ts publishes its public half). */
  dkimPrivateKey?: string | undefined;
  /** Messages a second, each sent at its scheduled time (open loop); unset: as fast as the replies come. */
  rate?: number | undefined;
}

export interface LoadGenerator {
  name: string;
  /** Whether it reports the final-dot → 250 latency (smtp-source does not). */
  measuresLatency: boolean;
  run(
    port: number,
    cell: LoadCell,
    durationMs: number,
    maxMessages: number,
    variant?: LoadVariant,
  ): Promise<LoadResult>;
}

export const RCPT_TO = "bench@omnimail.localhost";
const MAIL_FROM = "sender@sender.bench.localhost";

export function bunLoadGenerator(): LoadGenerator {
  return {
    name: "Bun SMTP client (tests/bench/smtp-load.ts)",
    measuresLatency: true,
    async run(port, cell, durationMs, maxMessages, variant) {
      const { stdout, code } = await runToCompletion(
        [
          BUN,
          "tests/bench/smtp-load.ts",
          "--port",
          String(port),
          "--sessions",
          String(cell.sessions),
          "--kind",
          cell.kind,
          "--mode",
          cell.reuse ? "reuse" : "per-message",
          "--duration-ms",
          String(durationMs),
          "--max",
          String(maxMessages),
          "--rcpt",
          RCPT_TO,
          ...(variant?.senderDomains ? ["--sender-domains", variant.senderDomains] : []),
          ...(variant?.dkimPrivateKey ? ["--dkim"] : []),
          ...(variant?.rate ? ["--rate", String(variant.rate)] : []),
        ],
        durationMs + 60_000,
        variant?.dkimPrivateKey ? { BENCH_DKIM_PRIVATE_KEY: variant.dkimPrivateKey } : undefined,
      );
      if (code !== 0) throw new Error(`smtp-load exited with ${code}`);
      return JSON.parse(stdout) as LoadResult;
    },
  };
}

/**
 * smtp-source sends a fixed count, so each cell starts with a short pilot run
 * whose rate sizes the measured runs to about `durationMs`. It sends our
 * message file (-F), so both generators send the same bytes.
 */
export function smtpSourceGenerator(binary: string, workDir: string): LoadGenerator {
  mkdirSync(workDir, { recursive: true });
  const files = new Map<MessageKind, string>();
  const fileFor = (kind: MessageKind) => {
    let path = files.get(kind);
    if (!path) {
      path = join(workDir, `message-${kind}.eml`);
      // smtp-source appends CRLF to every line it reads: give it LF lines.
      const text = Buffer.from(buildMessage(kind, { from: MAIL_FROM, to: RCPT_TO }))
        .toString("latin1")
        .replaceAll("\r\n", "\n");
      writeFileSync(path, text, "latin1");
      files.set(kind, path);
    }
    return path;
  };
  const rates = new Map<string, number>();
  const once = async (port: number, cell: LoadCell, count: number, timeoutMs: number) => {
    const args = [
      binary,
      ...(cell.reuse ? ["-d"] : []),
      "-s",
      String(cell.sessions),
      "-m",
      String(count),
      "-F",
      fileFor(cell.kind),
      "-f",
      MAIL_FROM,
      "-t",
      RCPT_TO,
      "-M",
      "client.bench.localhost",
      `127.0.0.1:${port}`,
    ];
    const started = performance.now();
    const { code } = await runToCompletion(args, timeoutMs);
    const elapsedMs = performance.now() - started;
    const ok = code === 0;
    return {
      sent: ok ? count : 0,
      failed: ok ? 0 : count,
      elapsedMs,
      rate: ok ? (count * 1000) / elapsedMs : 0,
      latencyP50Ms: Number.NaN,
      latencyP99Ms: Number.NaN,
      errors: ok ? [] : [`smtp-source exited with ${code}`],
    } satisfies LoadResult;
  };
  return {
    name: "Postfix smtp-source",
    measuresLatency: false,
    async run(port, cell, durationMs, maxMessages, variant) {
      // smtp-source sends one file from one -f sender.
      if (variant?.senderDomains || variant?.dkimPrivateKey) {
        throw new Error("smtp-source cannot vary the sender domain per message or sign with DKIM");
      }
      const key = `${port}:${cell.kind}:${cell.sessions}:${cell.reuse}`;
      let rate = rates.get(key);
      if (rate === undefined) {
        const pilot = await once(
          port,
          cell,
          cell.reuse ? Math.max(cell.sessions * 50, 200) : cell.sessions * 5,
          60_000,
        );
        rate = Math.max(pilot.rate, 1);
      }
      const count = Math.max(cell.sessions, Math.min(maxMessages, Math.round((rate * durationMs) / 1000)));
      const result = await once(port, cell, count, durationMs * 10 + 30_000);
      if (result.sent > 0) rates.set(key, result.rate);
      return result;
    },
  };
}
