import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { DNSResolver } from "mailauth";
import type { Config } from "../core/config";
import type { StoredMessage } from "../core/ingest/message-batch";
import type { Logger } from "../core/logger";
import type { Metrics, RejectionReason } from "../core/metrics";
import { createRejectionLedger, type RejectionLedger } from "../core/policy/ledger";
import { createRcptHookCaller } from "../core/policy/rcpt-hook";
import { resolveRecipient } from "../core/tenancy/recipients";
import type { Store } from "../db/store";
import { createGuardedTransport } from "../runtime/webhook-transport";
import { createConnectionTracker } from "./hooks/connect";
import { createSmtpIngest } from "./ingest";
import { createRecipientCache } from "./recipient-cache";
import type { CountRejection, RefusalContext } from "./refusal-context";
import { createDnsResolver, createSenderAuth } from "./sender-auth";
import { createSmtpServer, type SessionLimits, type SmtpEdge } from "./server";
import { createFreeSpaceProbe, createInflightBudget } from "./storage-guard";

/** The running SMTP edge: the main listener (STARTTLS when a certificate is set) and optional SMTPS. */
export interface SmtpService {
  port: number;
  /** Implicit-TLS port, when SMTPS_PORT and a certificate are set. */
  smtpsPort: number | null;
  /** Re-reads SMTP_TLS_CERT / SMTP_TLS_KEY (SIGHUP). */
  reloadTls(): void;
  /** For /metrics: sessions open now, and bytes of DATA held (the in-flight budget in use). */
  gauges(): { smtpSessions: number; smtpBytesInFlight: number };
  /** Writes the refusals buffered for the ledger now (they are written every second anyway). */
  flushRejections(): Promise<void>;
  /** A tenant's rules, limits or hook changed: its cached recipients are looked up afresh. */
  forgetTenantPolicy(tenantId: string): void;
  /** Stop listening, answer DATA in flight, close every session. The store is the caller's. */
  close(): Promise<void>;
}

/** Overrides of the configured limits (tests use milliseconds where the variables are seconds). */
export interface SmtpLimits extends Partial<SessionLimits> {
  greetingDelayMs?: number;
  socketTimeoutMs?: number;
  maxClients?: number;
  maxConnectionsPerIp?: number;
}

/** One refusal as ledger rows: one per target (recipient and tenant), or one for the operator. */
function recordRefusal(ledger: RejectionLedger, reason: RejectionReason, context: RefusalContext): void {
  const { session, reply } = context;
  const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
  const targets =
    context.targets && context.targets.length > 0 ? context.targets : [{ rcptTo: null, tenantId: null }];
  for (const target of targets) {
    ledger.record({
      tenantId: target.tenantId,
      stage: context.stage,
      code: reply.responseCode,
      enhancedCode: reply.enhancedCode,
      reason,
      detail: reply.message.slice(reply.enhancedCode.length).trim(),
      mailFrom,
      rcptTo: target.rcptTo,
      clientIp: session.remoteAddress ?? null,
    });
  }
}

/** All sender-authentication checks of one message, as a multiple of one DNS query's timeout. */
const SENDER_AUTH_TIMEOUT_FACTOR = 2.5;

function sessionLimits(config: Config, overrides: SmtpLimits | undefined): SessionLimits {
  const { smtp } = config;
  return {
    maxDataMs: overrides?.maxDataMs ?? smtp.maxDataMs,
    maxSessionMs: overrides?.maxSessionMs ?? smtp.maxSessionMs,
    minDataRate: overrides?.minDataRate ?? smtp.minDataRate,
    stressPercent: overrides?.stressPercent ?? smtp.stressPercent,
    stressIdleTimeoutMs: overrides?.stressIdleTimeoutMs ?? smtp.stressIdleTimeoutMs,
    softErrorLimit: overrides?.softErrorLimit ?? smtp.softErrorLimit,
    hardErrorLimit: overrides?.hardErrorLimit ?? smtp.hardErrorLimit,
    errorDelayMs: overrides?.errorDelayMs ?? smtp.errorDelayMs,
  };
}

function readTls(config: Config): { key: string; cert: string } | undefined {
  const { tlsCertPath, tlsKeyPath } = config.smtp;
  if (!tlsCertPath || !tlsKeyPath) return undefined;
  return { cert: readFileSync(tlsCertPath, "utf8"), key: readFileSync(tlsKeyPath, "utf8") };
}

/**
 * Wires the SMTP edge from config and the Store, and starts listening. Webhook
 * delivery is not its business: the commit that queued outbox rows tells the
 * Store's listeners, and the composition root nudges the drain there.
 */
export async function startSmtpEdge(input: {
  config: Config;
  store: Store;
  logger: Logger;
  /** Called after each commit (e.g. to wake long polls); never delays the 250. */
  onStored?: (stored: StoredMessage[]) => void;
  limits?: SmtpLimits;
  /** The /metrics registry: stored copies, and refusals by reason. */
  metrics?: Pick<Metrics, "countMessageRejected" | "countMessagesReceived"> | undefined;
  /** DNS for SPF/DKIM/DMARC; tests pass a resolver that serves their records. */
  dnsResolver?: DNSResolver;
}): Promise<SmtpService> {
  const { config, store, logger } = input;
  const serverName = config.smtp.hostname ?? hostname();
  const tls = readTls(config);
  // Every refusal is counted, and recorded in the rejection ledger (batched: the reply never waits).
  const ledger = createRejectionLedger({ store, logger });
  const countRejection: CountRejection = (reason, context) => {
    input.metrics?.countMessageRejected(reason);
    if (context) recordRefusal(ledger, reason, context);
  };
  const onStored = (stored: StoredMessage[]) => {
    input.metrics?.countMessagesReceived(stored.length);
    for (const tenantId of new Set(stored.map((copy) => copy.tenantId))) recipients.storedFor(tenantId);
    input.onStored?.(stored);
  };
  // Back-pressure: every session's DATA shares one byte budget; a file database's disk keeps a floor free.
  const budget = createInflightBudget(config.smtp.maxInflightBytes);
  const freeSpace = createFreeSpaceProbe({
    databaseUrl: config.databaseUrl,
    minFreeBytes: config.smtp.minFreeBytes,
  });
  const recipients = createRecipientCache((address) => resolveRecipient(store.db, address), {
    ttlMs: 5000,
    maxEntries: 10_000,
  });
  const shared = {
    budget,
    freeSpace,
    serverName,
    maxMessageBytes: config.smtp.maxMessageBytes,
    resolveRecipient: recipients.resolve,
    // Tenants' RCPT hooks go out as webhooks do: through the private-address guard.
    callHook: createRcptHookCaller({
      transport: createGuardedTransport({ allowPrivate: config.allowPrivateWebhooks }),
    }),
    ingest: createSmtpIngest({
      store,
      links: { publicUrl: config.http.publicUrl },
      serverName,
      // A message that waited this long for storage to begin is refused (451), not left hanging.
      storageDeadlineMs: config.databaseBusyTimeoutMs + 5000,
      onStored,
      senderAuth: config.smtp.senderAuth
        ? createSenderAuth({
            resolver:
              input.dnsResolver ??
              createDnsResolver(config.smtp.dnsTimeoutMs, config.smtp.dnsServers ?? null),
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
    sessionLimits: sessionLimits(config, input.limits),
    countRejection,
    tls,
  };
  const edges: SmtpEdge[] = [createSmtpServer(shared)];
  const port = await (edges[0] as SmtpEdge).listen(config.smtp.port, config.smtp.host);
  logger.info("smtp listening", { port, host: config.smtp.host, starttls: Boolean(tls), name: serverName });

  // Implicit TLS only when asked for: SMTPS_PORT unset means no second listener, certificate or not.
  let smtpsPort: number | null = null;
  if (tls && config.smtp.smtpsPort !== undefined) {
    const smtps = createSmtpServer({ ...shared, implicitTls: true });
    edges.push(smtps);
    try {
      smtpsPort = await smtps.listen(config.smtp.smtpsPort, config.smtp.host, {
        port: "SMTPS_PORT",
        host: "SMTP_HOST",
      });
    } catch (error) {
      await (edges[0] as SmtpEdge).close();
      throw error;
    }
    logger.info("smtps listening", { port: smtpsPort, host: config.smtp.host });
  } else if (config.smtp.smtpsPort !== undefined) {
    logger.warn("SMTPS_PORT is set but SMTP_TLS_CERT/SMTP_TLS_KEY are not: no implicit-TLS listener", {
      smtpsPort: config.smtp.smtpsPort,
    });
  }

  return {
    port,
    smtpsPort,
    forgetTenantPolicy: recipients.forgetTenant,
    gauges: () => ({
      smtpSessions: edges.reduce((sum, edge) => sum + edge.server.connections.size, 0),
      smtpBytesInFlight: budget.used,
    }),
    reloadTls: () => {
      const fresh = readTls(config);
      if (!fresh) return;
      for (const edge of edges) edge.reloadTls(fresh);
      logger.info("tls certificate reloaded", { cert: config.smtp.tlsCertPath });
    },
    flushRejections: () => ledger.flush(),
    close: async () => {
      await Promise.all(edges.map((edge) => edge.close()));
      await ledger.stop();
    },
  };
}
