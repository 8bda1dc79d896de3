import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { DNSResolver } from "mailauth";
import type { Config } from "../core/config";
import type { Logger } from "../core/logger";
import type { StoredMessage } from "../core/messages/store";
import type { Metrics, RejectionReason } from "../core/metrics";
import { createOutboxWrites } from "../core/outbox/enqueue";
import { resolveRecipient } from "../core/tenancy/recipients";
import type { Database } from "../db/client";
import type { SqlStatement } from "../db/statements";
import { startWriterThread } from "../db/writer";
import { startWebhookDrain } from "../runtime/webhook-drain";
import { createConnectionTracker } from "./hooks/connect";
import { createIngest } from "./ingest";
import { createRecipientCache } from "./recipient-cache";
import { createDnsResolver, createSenderAuth } from "./sender-auth";
import { createSmtpServer, type SmtpEdge } from "./server";

/** The running SMTP edge: the main listener (STARTTLS when a certificate is set) and optional SMTPS. */
export interface SmtpService {
  port: number;
  /** Implicit-TLS port, when SMTPS_PORT and a certificate are set. */
  smtpsPort: number | null;
  /** Re-reads SMTP_TLS_CERT / SMTP_TLS_KEY (SIGHUP). */
  reloadTls(): void;
  /**
   * The webhook drain. With the writer thread it runs there, nudged by the commit
   * that wrote outbox rows; inline, it runs on this thread, nudged after the commit.
   * `nudge` is for the API (test events, replays).
   */
  drain: { nudge(): void; stop(): Promise<void> };
  close(): Promise<void>;
}

export interface SmtpLimits {
  greetingDelayMs?: number;
  socketTimeoutMs?: number;
  maxClients?: number;
  maxConnectionsPerIp?: number;
}

/** All sender-authentication checks of one message, as a multiple of one DNS query's timeout. */
const SENDER_AUTH_TIMEOUT_FACTOR = 2.5;

function readTls(config: Config): { key: string; cert: string } | undefined {
  const { tlsCertPath, tlsKeyPath } = config.smtp;
  if (!tlsCertPath || !tlsKeyPath) return undefined;
  return { cert: readFileSync(tlsCertPath, "utf8"), key: readFileSync(tlsKeyPath, "utf8") };
}

/** Wires the SMTP edge from config and a database, and starts listening. */
export async function startSmtpEdge(input: {
  config: Config;
  database: Database;
  logger: Logger;
  /** Called after each commit (e.g. to wake long polls); never delays the 250. */
  onStored?: (stored: StoredMessage[]) => void;
  limits?: SmtpLimits;
  /** The /metrics registry: stored copies, and refusals by reason. */
  metrics?: Pick<Metrics, "countMessageRejected" | "countMessagesReceived">;
  /** Drain tuning: timer interval (default 1 s) and per-request timeout (default 15 s). */
  drain?: { intervalMs?: number; timeoutMs?: number };
  /** DNS for SPF/DKIM/DMARC; tests pass a resolver that serves their records. */
  dnsResolver?: DNSResolver;
}): Promise<SmtpService> {
  const { config, database, logger } = input;
  const serverName = config.smtp.hostname ?? hostname();
  const tls = readTls(config);
  const countRejection = (reason: RejectionReason) => input.metrics?.countMessageRejected(reason);
  // Message batches commit on the writer thread with group commit (issue 8), unless configured inline.
  const writer =
    config.smtp.writer === "thread"
      ? await startWriterThread({
          url: config.databaseUrl,
          authToken: config.databaseAuthToken,
          busyTimeoutMs: config.databaseBusyTimeoutMs,
          drain: {
            retryScheduleSeconds: config.webhookRetryScheduleSeconds,
            allowPrivateWebhooks: config.allowPrivateWebhooks,
            intervalMs: input.drain?.intervalMs ?? 1000,
            timeoutMs: input.drain?.timeoutMs,
            logLevel: config.logLevel,
          },
        })
      : null;
  const drain =
    writer?.drain ??
    startWebhookDrain({
      config,
      database,
      logger,
      intervalMs: input.drain?.intervalMs,
      options: input.drain?.timeoutMs ? { timeoutMs: input.drain.timeoutMs } : undefined,
    });
  const onStored = (stored: StoredMessage[]) => {
    // Inline, nudge the drain here; the writer thread nudges itself after the commit.
    if (!writer && stored.some((copy) => copy.companionRows > 0)) drain.nudge();
    input.metrics?.countMessagesReceived(stored.length);
    input.onStored?.(stored);
  };
  const shared = {
    serverName,
    maxMessageBytes: config.smtp.maxMessageBytes,
    resolveRecipient: createRecipientCache((address) => resolveRecipient(database.db, address), {
      ttlMs: 5000,
      maxEntries: 10_000,
    }),
    ingest: createIngest({
      database,
      serverName,
      // A little over the busy timeout, so a locked database answers 451, not a hang.
      storageTimeoutMs: config.databaseBusyTimeoutMs + 5000,
      // The webhook outbox rows commit in the same batch as each message, always.
      companions: [createOutboxWrites(database.db, { publicUrl: config.http.publicUrl })],
      onStored,
      write: writer ? (statements: SqlStatement[]) => writer.write(statements) : undefined,
      senderAuth: config.smtp.senderAuth
        ? createSenderAuth({
            resolver: input.dnsResolver ?? createDnsResolver(config.smtp.dnsTimeoutMs),
            mta: serverName,
            timeoutMs: Math.round(config.smtp.dnsTimeoutMs * SENDER_AUTH_TIMEOUT_FACTOR),
          })
        : undefined,
    }),
    logger,
    connections: createConnectionTracker({
      maxPerIp: input.limits?.maxConnectionsPerIp ?? config.smtp.maxConnectionsPerIp,
      logger,
      countRejection,
    }),
    socketTimeoutMs: input.limits?.socketTimeoutMs ?? config.smtp.idleTimeoutMs,
    maxClients: input.limits?.maxClients ?? config.smtp.maxClients,
    greetingDelayMs: input.limits?.greetingDelayMs ?? config.smtp.greetingDelayMs,
    countRejection,
    tls,
  };
  const edges: SmtpEdge[] = [createSmtpServer(shared)];
  const port = await (edges[0] as SmtpEdge).listen(config.smtp.port, config.smtp.host);
  logger.info("smtp listening", { port, host: config.smtp.host, starttls: Boolean(tls), name: serverName });

  let smtpsPort: number | null = null;
  if (tls && config.smtp.smtpsPort !== undefined) {
    const smtps = createSmtpServer({ ...shared, implicitTls: true });
    edges.push(smtps);
    smtpsPort = await smtps.listen(config.smtp.smtpsPort, config.smtp.host);
    logger.info("smtps listening", { port: smtpsPort, host: config.smtp.host });
  }

  return {
    port,
    smtpsPort,
    reloadTls: () => {
      const fresh = readTls(config);
      if (!fresh) return;
      for (const edge of edges) edge.reloadTls(fresh);
      logger.info("tls certificate reloaded", { cert: config.smtp.tlsCertPath });
    },
    drain,
    close: async () => {
      await Promise.all(edges.map((edge) => edge.close()));
      await drain.stop();
      await writer?.close();
    },
  };
}
