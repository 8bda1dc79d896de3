import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { DNSResolver } from "mailauth";
import type { AppEnv } from "../../api/context";
import { parseConfig } from "../../core/config";
import { createLogger } from "../../core/logger";
import type { Metrics } from "../../core/metrics";
import type { DrainOptions } from "../../core/outbox/drain";
import { createDomain, markDomainVerified } from "../../core/tenancy/domains";
import { createMailbox } from "../../core/tenancy/mailboxes";
import { createTenant } from "../../core/tenancy/tenants";
import { createDatabase, type Database } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import type { Store } from "../../db/store";
import { buildOmniMail } from "../../main/build";
import type { OutboxDrain } from "../../runtime/outbox-drain";
import type { ThreadStore } from "../../runtime/writer/thread-store";
import type { SmtpLimits, SmtpService } from "../../smtp-edge/start";

/**
 * The test harness: a migrated libSQL file in a temp dir, and OmniMail built by
 * `buildOmniMail` — the composition root of `npm start` — with SMTP and the API
 * on ephemeral ports. Nothing of ours is mocked.
 */

export interface TestTenant {
  id: string;
  apiKey: string;
  domain: string;
  /** Mailboxes by address. */
  mailboxes: Record<string, string>;
}

export interface OmniMail {
  dir: string;
  databaseUrl: string;
  database: Database;
  /** The Store every write goes through (the writer thread, as in `npm start`). */
  store: Store | ThreadStore;
  smtpPort: number;
  apiUrl: string;
  smtp: SmtpService;
  /** The webhook drain, woken by each commit that queued deliveries, as in `npm start`. */
  drain: OutboxDrain;
  /** The Hono app being served (its route table drives the isolation tests). */
  app: OpenAPIHono<AppEnv>;
  /** The registry /metrics renders, shared with the SMTP edge as in `npm start`. */
  metrics: Metrics;
  /** Creates a tenant with a domain and mailboxes (addresses like `alice` or `*`). */
  addTenant(domain: string, localParts: string[]): Promise<TestTenant>;
  api(path: string, apiKey: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const noDns: DNSResolver = async (name) => {
  throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
};

export function tempDir(prefix = "omnimail-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function openTestDatabase(
  dir: string,
  busyTimeoutMs = 5000,
): Promise<{ url: string; database: Database }> {
  const url = `file:${join(dir, "omnimail.db")}`;
  const database = await createDatabase({ url, busyTimeoutMs });
  await migrateDatabase(database);
  return { url, database };
}

export async function startOmniMail(
  options: {
    env?: Record<string, string>;
    busyTimeoutMs?: number;
    webhookTimeoutMs?: number;
    smtpLimits?: SmtpLimits;
    /** DNS for sender authentication (SPF/DKIM/DMARC): a stub that serves the test's records. */
    dnsResolver?: DNSResolver;
    /** Extra drain tuning (fair shares, lease margin). */
    drainOptions?: Omit<DrainOptions, "wake" | "stopping">;
    writerRestartDelayMs?: number;
    /** A remote libSQL URL (tests/helpers/remote-db.ts) instead of a file in the temp dir. */
    databaseUrl?: string;
    /** The drain's longest sleep between runs (default 50 ms in tests); commits wake it anyway. */
    drainIntervalMs?: number;
  } = {},
): Promise<OmniMail> {
  const dir = tempDir();
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const url = options.databaseUrl ?? `file:${join(dir, "omnimail.db")}`;
  const config = parseConfig({
    DATABASE_URL: url,
    DATABASE_BUSY_TIMEOUT_MS: String(busyTimeoutMs),
    SMTP_PORT: "0",
    SMTP_HOST: "127.0.0.1",
    SMTP_HOSTNAME: "mx.test.localhost",
    PORT: "0",
    OMNIMAIL_PUBLIC_URL: "http://omnimail.test",
    LOG_LEVEL: "silent",
    // Receivers in tests listen on 127.0.0.1.
    OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS: "1",
    // Suites make hundreds of requests with one key; tests/api/limits.test.ts turns the limit on.
    OMNIMAIL_RATE_LIMIT_PER_MINUTE: "0",
    ...options.env,
  });
  // The same composition root as `npm start`; only what a test must control differs.
  const omnimail = await buildOmniMail(config, {
    logger: createLogger("silent", "test"),
    bootstrap: false,
    apiHostname: "127.0.0.1",
    smtpLimits: options.smtpLimits,
    drain: {
      intervalMs: options.drainIntervalMs ?? 50,
      options: {
        ...(options.webhookTimeoutMs ? { timeoutMs: options.webhookTimeoutMs } : {}),
        ...options.drainOptions,
      },
    },
    writer: { restartDelayMs: options.writerRestartDelayMs },
    onFatal: (error) => {
      throw error;
    },
    // Tests never ask real DNS: by default every name is unknown (SPF/DKIM/DMARC "none").
    // With OMNIMAIL_DNS_SERVERS set (a test DNS server), the product's own DNS client asks it.
    dnsResolver: options.dnsResolver ?? (options.env?.OMNIMAIL_DNS_SERVERS ? undefined : noDns),
  });
  const { store, database } = omnimail;
  const smtp = omnimail.smtp as SmtpService;
  const api = omnimail.api as NonNullable<typeof omnimail.api>;
  const drain = omnimail.drain as OutboxDrain;

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await omnimail.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  return {
    dir,
    databaseUrl: url,
    database,
    store,
    smtpPort: smtp.port,
    apiUrl: api.url,
    smtp,
    drain,
    app: api.app,
    metrics: omnimail.metrics,
    async addTenant(domain, localParts) {
      const { tenant, apiKey } = await createTenant(store, { name: domain });
      const created = await createDomain(store, tenant.id, { name: domain });
      // An operator's word, as `npm run omnimail -- domains verify` gives it: tests receive mail at once.
      await markDomainVerified(store, created.id);
      const mailboxes: Record<string, string> = {};
      for (const localPart of localParts) {
        const mailbox = await createMailbox(store, tenant.id, {
          address: `${localPart}@${created.name}`,
        });
        mailboxes[mailbox.address] = mailbox.id;
      }
      return { id: tenant.id, apiKey: apiKey.key, domain: created.name, mailboxes };
    },
    api: (path, apiKey, init = {}) =>
      fetch(`${api.url}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(init.headers as Record<string, string> | undefined),
        },
      }),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. No fixed sleeps. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await Bun.sleep(10);
  }
}
