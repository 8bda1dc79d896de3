import type { OpenAPIHono } from "@hono/zod-openapi";
import type { DNSResolver } from "mailauth";
import { createApp } from "../api/app";
import { serveApp } from "../api/bun";
import { type AppEnv, appSettingsFrom } from "../api/context";
import type { Config } from "../core/config";
import { useCryptoProvider } from "../core/crypto";
import type { Logger } from "../core/logger";
import { createMessageNotifier, type MessageNotifier } from "../core/messages/notifier";
import { createMetrics, type Metrics } from "../core/metrics";
import type { DrainOptions } from "../core/outbox/drain";
import type { Database } from "../db/client";
import { createInlineStore, type Store } from "../db/store";
import { announceFirstStart, createRootLogger, openDatabase } from "../runtime/boot";
import { bunCrypto } from "../runtime/bun-crypto";
import { createDnsClient, parseDnsServers } from "../runtime/dns/dns-client";
import { type OutboxDrain, startOutboxDrain } from "../runtime/outbox-drain";
import { startRetention } from "../runtime/retention";
import { resolveHost } from "../runtime/webhook-transport";
import { startThreadStore, type ThreadStore } from "../runtime/writer/thread-store";
import { type SmtpLimits, type SmtpService, startSmtpEdge } from "../smtp-edge/start";

/**
 * The one composition root. `npm start` (everything), `npm run smtp` (the SMTP
 * edge and its drain), `npm run api` (the API and its drain) and the test
 * harness all build OmniMail here, so the wiring the tests run is the wiring
 * users run. Order: database (migrated) → Store → drain (woken by the Store's
 * commits) → SMTP edge → API → first-start tenant → "api listening". The tenant
 * and its key come once every port is open: a start that fails (a port in use)
 * leaves the database as it was, and the key is printed only when it can be used.
 */
export interface OmniMailParts {
  smtp: boolean;
  api: boolean;
  drain: boolean;
}

export interface BuildOverrides {
  parts?: Partial<OmniMailParts> | undefined;
  /** Logger name when none is given: "omnimail", "smtp-edge", "api". */
  component?: string | undefined;
  logger?: Logger | undefined;
  /** Create the default tenant on an empty database (default true). */
  bootstrap?: boolean | undefined;
  /** API bind address (default: HOST, which defaults to 0.0.0.0). */
  apiHostname?: string | undefined;
  /** DNS for SPF/DKIM/DMARC; tests pass a resolver that serves their records. */
  dnsResolver?: DNSResolver | undefined;
  smtpLimits?: SmtpLimits | undefined;
  drain?:
    | { intervalMs?: number | undefined; options?: Omit<DrainOptions, "wake" | "stopping"> | undefined }
    | undefined;
  writer?: { restartDelayMs?: number | undefined } | undefined;
  /** The writer thread cannot be kept up. Default: log and exit 1, so a supervisor restarts the process. */
  onFatal?: ((error: Error) => void) | undefined;
}

export interface OmniMail {
  config: Config;
  logger: Logger;
  database: Database;
  store: Store | ThreadStore;
  metrics: Metrics;
  messageEvents: MessageNotifier;
  drain: OutboxDrain | null;
  smtp: SmtpService | null;
  /** The Hono app and where it listens, when the API part runs. */
  api: { app: OpenAPIHono<AppEnv>; port: number; url: string; stop(): Promise<void> } | null;
  /** Re-reads the TLS certificate (SIGHUP). */
  reloadTls(): void;
  /** Graceful: stop taking mail and requests, finish what is in flight, drain, close the store. */
  stop(): Promise<void>;
}

export async function buildOmniMail(config: Config, overrides: BuildOverrides = {}): Promise<OmniMail> {
  const parts: OmniMailParts = { smtp: true, api: true, drain: true, ...overrides.parts };
  // Signatures and key hashes with Bun's hasher instead of Web Crypto (same bytes, a fraction of the CPU).
  useCryptoProvider(bunCrypto);
  const logger = overrides.logger ?? createRootLogger(config, overrides.component ?? "omnimail");
  const database = await openDatabase(config, logger);
  const store: Store | ThreadStore =
    config.smtp.writer === "thread"
      ? await startThreadStore({
          database,
          url: config.databaseUrl,
          authToken: config.databaseAuthToken,
          busyTimeoutMs: config.databaseBusyTimeoutMs,
          logger,
          restartDelayMs: overrides.writer?.restartDelayMs,
          onFatal:
            overrides.onFatal ??
            ((error) => {
              logger.error("exiting: the writer thread cannot be kept up", { error: error.message });
              process.exit(1);
            }),
        })
      : createInlineStore(database);

  const messageEvents = createMessageNotifier();
  const metrics = createMetrics();
  // Domain verification's DNS client, on this thread. The sender checks run in their own thread with a
  // client of their own (smtp-edge/sender-auth.ts), so their lookups, cache hits included, never cross threads.
  const dnsClient = createDnsClient({
    servers: config.smtp.dnsServers ? parseDnsServers(config.smtp.dnsServers) : undefined,
    timeoutMs: config.smtp.dnsTimeoutMs,
  });
  let drain: OutboxDrain | null = null;
  // The process that drains also trims what is kept for a while: mailboxes' old mail, events, rejections.
  const retention = parts.drain
    ? startRetention({
        store,
        settings: {
          eventRetentionDays: config.eventRetentionDays,
          rejectionRetentionDays: config.rejectionRetentionDays,
        },
        logger,
      })
    : null;
  let smtp: SmtpService | null = null;
  let api: OmniMail["api"] = null;
  const apiHostname = overrides.apiHostname ?? config.http.host;
  try {
    drain = parts.drain
      ? startOutboxDrain({
          config,
          store,
          logger,
          intervalMs: overrides.drain?.intervalMs,
          options: overrides.drain?.options,
          metrics,
        })
      : null;
    smtp = parts.smtp
      ? await startSmtpEdge({
          config,
          store,
          logger,
          metrics,
          // Long polls in this process wake on the commit.
          onStored: (stored) => messageEvents.publishStored(stored),
          limits: overrides.smtpLimits,
          dnsResolver: overrides.dnsResolver,
        })
      : null;

    // /metrics reads the SMTP edge's sessions and bytes in flight when it is scraped.
    const edge = smtp;
    if (edge) metrics.addGaugeSource(() => edge.gauges());

    if (parts.api) {
      const app = createApp({
        store,
        logger,
        ...appSettingsFrom(config),
        // Without the SMTP edge here, long polls re-check the database instead.
        messageEvents: smtp ? messageEvents : undefined,
        metrics,
        onPolicyChanged: (tenantId) => smtp?.forgetTenantPolicy(tenantId),
        webhooks: {
          guard: { allowPrivate: config.allowPrivateWebhooks, resolveHost },
          nudge: drain ? drain.nudge : undefined,
        },
        // Domain verification looks its TXT record up through the same resolver as the sender checks.
        // Fresh, not from the cache: a record published a minute ago must not wait out a cached NXDOMAIN.
        resolveTxt: (name) => dnsClient.resolve(name, "TXT", { fresh: true }) as Promise<string[][]>,
      });
      const served = serveApp(app, { port: config.http.port, hostname: apiHostname });
      api = {
        app,
        port: served.port,
        url: `http://${localUrlHost(apiHostname)}:${served.port}`,
        stop: served.stop,
      };
    }

    if (overrides.bootstrap ?? true) {
      await announceFirstStart(store, config, { smtpPort: smtp?.port ?? config.smtp.port });
    }
    // The readiness line: the API answers and, on a first start, the default tenant and its key exist.
    if (api) logger.info("api listening", { port: api.port, host: apiHostname, url: config.http.publicUrl });
  } catch (error) {
    // Close what did start, so an in-process caller is left with nothing open; then the entry reports it.
    await smtp?.close();
    await api?.stop();
    await drain?.stop();
    await retention?.stop();
    await store.close();
    throw error;
  }

  let stopped: Promise<void> | null = null;
  return {
    config,
    logger,
    database,
    store,
    metrics,
    messageEvents,
    drain,
    smtp,
    api,
    reloadTls: () => smtp?.reloadTls(),
    stop: () => {
      stopped ??= (async () => {
        await smtp?.close();
        await api?.stop();
        await drain?.stop();
        await retention?.stop();
        await store.close();
      })();
      return stopped;
    },
  };
}

/** How this machine reaches an API bound to `hostname`: the wildcard addresses are reached on loopback. */
function localUrlHost(hostname: string): string {
  if (hostname === "0.0.0.0") return "127.0.0.1";
  if (hostname === "::") return "[::1]";
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}
