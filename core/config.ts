import { z } from "zod";

/**
 * Every setting OmniMail reads, parsed once at start-up from a plain record
 * (`process.env` on Bun, the `env` binding on Workers) and passed into factories.
 * Handlers never read the environment themselves.
 */

const MIB = 1024 * 1024;

const portNumber = z.coerce
  .number({ error: "must be a port number" })
  .int("must be a whole number")
  .min(0, "must be 0-65535")
  .max(65535, "must be 0-65535");

const port = (fallback: number) => portNumber.default(fallback);

/**
 * An address to bind to: an IPv4 or IPv6 address (`0.0.0.0`, `::` for every
 * interface) or a host name such as `localhost`. Checked here so a typo stops
 * the start with the variable's name, not with an error from the listener.
 */
const bindAddress = z
  .string()
  .trim()
  .refine((value) => isIpv4(value) || isIpv6(value) || isHostName(value), {
    error: "must be an IP address (0.0.0.0, 127.0.0.1, ::) or a host name such as localhost",
  });

const flag = z
  .enum(["0", "1", "true", "false", "yes", "no"], { error: "must be 1 or 0 (true/false)" })
  .default("0")
  .transform((value) => value === "1" || value === "true" || value === "yes");

/** A flag that is on unless set to 0/false/no. */
const flag1 = z
  .enum(["0", "1", "true", "false", "yes", "no"], { error: "must be 1 or 0 (true/false)" })
  .default("1")
  .transform((value) => value === "1" || value === "true" || value === "yes");

const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/, {
    error: "must be a domain name such as mail.example.com",
  });

/** One name server: an IPv4 address or [IPv6], an optional port; or a bare IPv6 address. */
const DNS_SERVER =
  /^(?:(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?|\[[0-9A-Fa-f:.]+\](?::\d{1,5})?|[0-9A-Fa-f]*:[0-9A-Fa-f:.]+)$/;

const configSchema = z
  .object({
    DATABASE_URL: z
      .string()
      .regex(/^(file|libsql|https?|wss?):/, { error: "must start with file:, libsql:, http(s): or ws(s):" })
      .default("file:./data/omnimail.db"),
    DATABASE_AUTH_TOKEN: z.string().optional(),
    DATABASE_BUSY_TIMEOUT_MS: z.coerce
      .number({ error: "must be a number of milliseconds" })
      .int()
      .min(0)
      .max(60_000, "must be at most 60000")
      .default(5000),
    SMTP_PORT: port(2525),
    SMTP_HOST: z.string().min(1).default("0.0.0.0"),
    SMTP_HOSTNAME: domainName.or(z.literal("localhost")).optional(),
    SMTP_TLS_CERT: z.string().optional(),
    SMTP_TLS_KEY: z.string().optional(),
    // No default: unset means no implicit-TLS listener (0 asks for a free port, as for the others).
    SMTPS_PORT: portNumber.optional(),
    SMTP_MAX_CLIENTS: z.coerce.number({ error: "must be a number" }).int().min(1).max(100_000).default(1000),
    SMTP_MAX_CONNECTIONS_PER_IP: z.coerce
      .number({ error: "must be a number (0 = no limit)" })
      .int()
      .min(0)
      .max(100_000)
      .default(20),
    SMTP_GREETING_DELAY_MS: z.coerce
      .number({ error: "must be a number of milliseconds" })
      .int()
      .min(0)
      .max(30_000, "must be at most 30000")
      .default(25),
    SMTP_IDLE_TIMEOUT_SECONDS: z.coerce
      .number({ error: "must be a number of seconds" })
      .min(1)
      .max(3600, "must be at most 3600")
      .default(300),
    // Slow clients (slowloris): deadlines no trickle of bytes extends (Postfix smtpd_timeout, stress mode).
    SMTP_MAX_DATA_SECONDS: z.coerce
      .number({ error: "must be a number of seconds (0 = no limit)" })
      .min(0)
      .max(86_400, "must be at most 86400")
      .default(600),
    SMTP_MAX_SESSION_SECONDS: z.coerce
      .number({ error: "must be a number of seconds (0 = no limit)" })
      .min(0)
      .max(86_400, "must be at most 86400")
      .default(1800),
    SMTP_MIN_DATA_RATE: z.coerce
      .number({ error: "must be a number of bytes per second (0 = no minimum)" })
      .int("must be a whole number of bytes per second")
      .min(0)
      .max(100 * MIB, "must be at most 104857600")
      .default(500),
    SMTP_STRESS_PERCENT: z.coerce
      .number({ error: "must be a percentage of SMTP_MAX_CLIENTS (100 = never)" })
      .int("must be a whole number")
      .min(1, "must be 1-100")
      .max(100, "must be 1-100")
      .default(80),
    SMTP_STRESS_IDLE_TIMEOUT_SECONDS: z.coerce
      .number({ error: "must be a number of seconds" })
      .min(1)
      .max(3600, "must be at most 3600")
      .default(10),
    // Errors per session (Postfix smtpd_soft_error_limit, smtpd_hard_error_limit, smtpd_error_sleep_time).
    SMTP_SOFT_ERROR_LIMIT: z.coerce
      .number({ error: "must be a number of errors" })
      .int("must be a whole number")
      .min(0)
      .max(10_000, "must be at most 10000")
      .default(10),
    SMTP_HARD_ERROR_LIMIT: z.coerce
      .number({ error: "must be a number of errors" })
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(10_000, "must be at most 10000")
      .default(20),
    SMTP_ERROR_DELAY_MS: z.coerce
      .number({ error: "must be a number of milliseconds" })
      .int("must be a whole number of milliseconds")
      .min(0)
      .max(10_000, "must be at most 10000")
      .default(1000),
    // Back-pressure (Postfix queue_minfree): bytes of DATA held across sessions, and disk kept free.
    OMNIMAIL_MAX_INFLIGHT_BYTES: z.coerce
      .number({ error: "must be a number of bytes" })
      .int("must be a whole number of bytes")
      .min(1024 * 1024, "must be at least 1048576 (1 MiB)")
      .max(64 * 1024 * MIB, "must be at most 68719476736 (64 GiB)")
      .default(64 * MIB),
    OMNIMAIL_MIN_FREE_BYTES: z.coerce
      .number({ error: "must be a number of bytes (0: no floor)" })
      .int("must be a whole number of bytes")
      .min(0)
      .optional(),
    OMNIMAIL_SENDER_AUTH: flag1,
    OMNIMAIL_DB_WRITER: z.enum(["thread", "inline"], { error: "must be thread or inline" }).default("thread"),
    OMNIMAIL_DNS_TIMEOUT_MS: z.coerce
      .number({ error: "must be a number of milliseconds" })
      .int()
      .min(100)
      .max(30_000, "must be at most 30000")
      .default(2000),
    // Name servers for sender checks and domain verification; unset: the system's (/etc/resolv.conf).
    OMNIMAIL_DNS_SERVERS: z
      .string()
      .trim()
      .refine(
        (value) =>
          value
            .split(",")
            .map((item) => item.trim())
            .every((item) => DNS_SERVER.test(item)),
        { error: "must be comma-separated addresses: ip, ip:port or [ipv6]:port (e.g. 127.0.0.1:53)" },
      )
      .optional(),
    PORT: port(8787),
    HOST: bindAddress.default("0.0.0.0"),
    OMNIMAIL_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    OMNIMAIL_PUBLIC_URL: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://mail.example.com" })
      .transform((url) => url.replace(/\/+$/, ""))
      .optional(),
    OMNIMAIL_MAX_MESSAGE_BYTES: z.coerce
      .number({ error: "must be a number of bytes" })
      .int("must be a whole number of bytes")
      .min(1024, "must be at least 1024")
      .max(200 * MIB, "must be at most 209715200 (200 MiB)")
      .default(25 * MIB),
    OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS: flag,
    OMNIMAIL_DEFAULT_DOMAIN: domainName.default("omnimail.localhost"),
    OMNIMAIL_BOOTSTRAP_API_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{24,128}$/, { error: "must be 24-128 characters of A-Z a-z 0-9 _ -" })
      .optional(),
    OMNIMAIL_WEBHOOK_RETRY_SCHEDULE: z
      .string()
      .default("5,300,1800,7200,18000,36000,36000")
      .transform((value, ctx) => {
        const delays = value.split(",").map((part) => Number(part.trim()));
        if (delays.length === 0 || delays.some((delay) => !Number.isFinite(delay) || delay < 0)) {
          ctx.addIssue({ code: "custom", message: "must be comma-separated seconds, e.g. 5,300,1800" });
          return z.NEVER;
        }
        return delays;
      }),
    OMNIMAIL_CORS_ORIGINS: z
      .string()
      .default("")
      .transform((value, ctx) => {
        const origins = value
          .split(",")
          .map((part) => part.trim())
          .filter((part) => part !== "");
        for (const origin of origins) {
          if (origin !== "*" && !isOrigin(origin)) {
            ctx.addIssue({
              code: "custom",
              message: `must be * or comma-separated origins such as https://app.example.com (bad: ${origin})`,
            });
            return z.NEVER;
          }
        }
        return origins;
      }),
    OMNIMAIL_RATE_LIMIT_PER_MINUTE: z.coerce
      .number({ error: "must be a number of requests per minute" })
      .int("must be a whole number")
      .min(0, "must be 0 (off) or more")
      .max(1_000_000, "must be at most 1000000")
      .default(600),
    // Unset: twice OMNIMAIL_RATE_LIMIT_PER_MINUTE (so a limit of 0 turns both off); 0: no tenant bucket.
    OMNIMAIL_TENANT_RATE_LIMIT_PER_MINUTE: z.coerce
      .number({ error: "must be a number of requests per minute" })
      .int("must be a whole number")
      .min(0, "must be 0 (off) or more")
      .max(1_000_000, "must be at most 1000000")
      .optional(),
    // Test events are POSTs we make on a tenant's request: bounded per endpoint so a
    // loop of test calls cannot flood a receiver or the drain (issue 13).
    OMNIMAIL_TEST_EVENTS_PER_MINUTE: z.coerce
      .number({ error: "must be a number of test events per minute" })
      .int("must be a whole number")
      .min(0, "must be 0 (off) or more")
      .max(1_000_000, "must be at most 1000000")
      .default(10),
    OMNIMAIL_AUTH_FAILURES_PER_MINUTE: z.coerce
      .number({ error: "must be a number of failed attempts per minute" })
      .int("must be a whole number")
      .min(0, "must be 0 (off) or more")
      .max(1_000_000, "must be at most 1000000")
      .default(20),
    OMNIMAIL_PROXY_HOPS: z.coerce
      .number({ error: "must be the number of proxies in front of the API (0: none)" })
      .int("must be a whole number")
      .min(0, "must be 0 (no proxy) or more")
      .max(10, "must be at most 10")
      .default(0),
    OMNIMAIL_MAX_API_KEYS_PER_TENANT: z.coerce
      .number({ error: "must be a number of keys (0 = no limit)" })
      .int("must be a whole number")
      .min(0)
      .max(1_000_000, "must be at most 1000000")
      .default(50),
    OMNIMAIL_LONG_POLLS_PER_KEY: z.coerce
      .number({ error: "must be a number of requests (0 = no limit)" })
      .int("must be a whole number")
      .min(0)
      .max(1_000_000, "must be at most 1000000")
      .default(20),
    OMNIMAIL_LONG_POLLS_PER_TENANT: z.coerce
      .number({ error: "must be a number of requests (0 = no limit)" })
      .int("must be a whole number")
      .min(0)
      .max(1_000_000, "must be at most 1000000")
      .default(100),
    OMNIMAIL_EVENT_RETENTION_DAYS: z.coerce
      .number({ error: "must be a number of days" })
      .int("must be a whole number of days")
      .min(1, "must be at least 1 day")
      .max(3650, "must be at most 3650 days")
      .default(7),
    OMNIMAIL_REJECTION_RETENTION_DAYS: z.coerce
      .number({ error: "must be a number of days" })
      .int("must be a whole number of days")
      .min(1, "must be at least 1 day")
      .max(3650, "must be at most 3650 days")
      .default(7),
    OMNIMAIL_SIGNED_URL_TTL_SECONDS: z.coerce
      .number({ error: "must be a number of seconds" })
      .int("must be a whole number of seconds")
      .min(60, "must be at least 60 seconds")
      .max(7 * 86_400, "must be at most 604800 seconds (7 days)")
      .default(3600),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.SMTP_TLS_CERT) !== Boolean(env.SMTP_TLS_KEY)) {
      const missing = env.SMTP_TLS_CERT ? "SMTP_TLS_KEY" : "SMTP_TLS_CERT";
      ctx.addIssue({
        code: "custom",
        path: [missing],
        message: "must be set together with the other TLS file",
      });
    }
    if (env.SMTP_SOFT_ERROR_LIMIT > env.SMTP_HARD_ERROR_LIMIT) {
      ctx.addIssue({
        code: "custom",
        path: ["SMTP_SOFT_ERROR_LIMIT"],
        message: `must be at most SMTP_HARD_ERROR_LIMIT (${env.SMTP_HARD_ERROR_LIMIT})`,
      });
    }
    if (env.OMNIMAIL_MAX_INFLIGHT_BYTES < env.OMNIMAIL_MAX_MESSAGE_BYTES) {
      ctx.addIssue({
        code: "custom",
        path: ["OMNIMAIL_MAX_INFLIGHT_BYTES"],
        message: `must be at least OMNIMAIL_MAX_MESSAGE_BYTES (${env.OMNIMAIL_MAX_MESSAGE_BYTES}), or no message of the largest size could ever be received`,
      });
    }
  });

function isIpv4(value: string): boolean {
  const parts = value.split(".");
  return parts.length === 4 && parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255);
}

/** Any IPv6 form the URL parser accepts (`::`, `::1`, `fe80::1`, `::ffff:127.0.0.1`); zone ids are not. */
function isIpv6(value: string): boolean {
  if (!value.includes(":") || !/^[0-9a-fA-F:.]+$/.test(value)) return false;
  try {
    new URL(`http://[${value}]/`);
    return true;
  } catch {
    return false;
  }
}

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens; one label (`localhost`) is fine. */
function isHostName(value: string): boolean {
  return (
    value.length <= 253 &&
    !/^[\d.]+$/.test(value) &&
    value.split(".").every((label) => /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(label))
  );
}

/** `https://app.example.com` or `http://localhost:5173`: scheme, host and port, nothing else. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
  } catch {
    return false;
  }
}

type RawConfig = z.output<typeof configSchema>;

export interface Config {
  databaseUrl: string;
  databaseAuthToken: string | undefined;
  databaseBusyTimeoutMs: number;
  smtp: {
    port: number;
    host: string;
    hostname: string | undefined;
    tlsCertPath: string | undefined;
    tlsKeyPath: string | undefined;
    /** Implicit-TLS port; undefined (SMTPS_PORT unset): no implicit-TLS listener. */
    smtpsPort: number | undefined;
    maxMessageBytes: number;
    maxClients: number;
    /** 0: no per-address limit. */
    maxConnectionsPerIp: number;
    idleTimeoutMs: number;
    /** DATA from 354 to the final dot; 0: no limit. */
    maxDataMs: number;
    /** A session from its greeting; checked while the client owes a command; 0: no limit. */
    maxSessionMs: number;
    /** Bytes per second DATA must average once the idle timeout has passed; 0: no minimum. */
    minDataRate: number;
    /** Over this share of maxClients in use, the stress timeouts apply. 100: never. */
    stressPercent: number;
    /** The idle timeout (and DATA's grace before the minimum rate) under stress. */
    stressIdleTimeoutMs: number;
    /** Errors a session may make before every reply is delayed. */
    softErrorLimit: number;
    /** Errors after which the next command gets 421 4.7.0 and the session ends. */
    hardErrorLimit: number;
    /** The delay of the first reply past the soft limit; each further error adds as much, up to 5 times. */
    errorDelayMs: number;
    /** Wait before the greeting; a client that talks first is refused (early-talker check). */
    greetingDelayMs: number;
    /** Where message batches commit: a group-committing worker thread, or inline on the event loop. */
    writer: "thread" | "inline";
    /** SPF/DKIM/DMARC/ARC checks on every message. */
    senderAuth: boolean;
    dnsTimeoutMs: number;
    /** Bytes of DATA held across all sessions at once; past it, 452 4.3.1. */
    maxInflightBytes: number;
    /** MAIL FROM is 452 4.3.1 while the database's file system has less free. */
    minFreeBytes: number;
    /** `OMNIMAIL_DNS_SERVERS` as given (ip, ip:port, [ipv6]:port, comma-separated); unset: the system's. */
    dnsServers: string | undefined;
  };
  http: {
    port: number;
    /** Address the API listens on (HOST). */
    host: string;
    publicUrl: string;
    /** Origins allowed to call the API from a browser; `*` for any, empty for none (no CORS headers). */
    corsOrigins: string[];
    /** Per API key; 0 turns the limit off. */
    rateLimitPerMinute: number;
    /** One bucket shared by all of a tenant's keys; 0: none. */
    tenantRateLimitPerMinute: number;
    /** Failed authentications (bad API keys, bad admin tokens) per client address; 0 turns the limit off. */
    authFailuresPerMinute: number;
    /** Reverse proxies in front of the API whose X-Forwarded-For entries are trusted; 0: the header is ignored. */
    proxyHops: number;
    /** Active (unrevoked) API keys a tenant may hold; 0: no limit. */
    maxApiKeysPerTenant: number;
    /** `POST /v1/webhooks/{id}/test` calls per endpoint per minute; 0: no limit. */
    testEventsPerMinute: number;
    /** Long polls open at once in this process, per API key and per tenant; 0: no limit. */
    longPollsPerKey: number;
    longPollsPerTenant: number;
  };
  adminToken: string | undefined;
  allowPrivateWebhooks: boolean;
  defaultDomain: string;
  bootstrapApiKey: string | undefined;
  webhookRetryScheduleSeconds: number[];
  /** Days the event log keeps events (GET /v1/events); older cursors answer 410. */
  eventRetentionDays: number;
  /** How long the signed links in webhooks and events open without a key. */
  signedUrlTtlSeconds: number;
  /** Days the rejection ledger keeps refusals (GET /v1/rejections). */
  rejectionRetentionDays: number;
  logLevel: RawConfig["LOG_LEVEL"];
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Parses and validates the environment. Throws ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means "not set", as in most shells' `FOO= cmd`.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = configSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? "environment");
        const given = present[name];
        return `${name}: ${issue.message}${given === undefined ? "" : ` (got ${JSON.stringify(given)})`}`;
      }),
    );
  }
  const raw = result.data;
  return {
    databaseUrl: raw.DATABASE_URL,
    databaseAuthToken: raw.DATABASE_AUTH_TOKEN,
    databaseBusyTimeoutMs: raw.DATABASE_BUSY_TIMEOUT_MS,
    smtp: {
      port: raw.SMTP_PORT,
      host: raw.SMTP_HOST,
      hostname: raw.SMTP_HOSTNAME,
      tlsCertPath: raw.SMTP_TLS_CERT,
      tlsKeyPath: raw.SMTP_TLS_KEY,
      smtpsPort: raw.SMTPS_PORT,
      maxMessageBytes: raw.OMNIMAIL_MAX_MESSAGE_BYTES,
      maxClients: raw.SMTP_MAX_CLIENTS,
      maxConnectionsPerIp: raw.SMTP_MAX_CONNECTIONS_PER_IP,
      idleTimeoutMs: Math.round(raw.SMTP_IDLE_TIMEOUT_SECONDS * 1000),
      maxDataMs: Math.round(raw.SMTP_MAX_DATA_SECONDS * 1000),
      maxSessionMs: Math.round(raw.SMTP_MAX_SESSION_SECONDS * 1000),
      minDataRate: raw.SMTP_MIN_DATA_RATE,
      stressPercent: raw.SMTP_STRESS_PERCENT,
      stressIdleTimeoutMs: Math.round(raw.SMTP_STRESS_IDLE_TIMEOUT_SECONDS * 1000),
      softErrorLimit: raw.SMTP_SOFT_ERROR_LIMIT,
      hardErrorLimit: raw.SMTP_HARD_ERROR_LIMIT,
      errorDelayMs: raw.SMTP_ERROR_DELAY_MS,
      greetingDelayMs: raw.SMTP_GREETING_DELAY_MS,
      senderAuth: raw.OMNIMAIL_SENDER_AUTH,
      writer: raw.OMNIMAIL_DB_WRITER,
      dnsTimeoutMs: raw.OMNIMAIL_DNS_TIMEOUT_MS,
      dnsServers: raw.OMNIMAIL_DNS_SERVERS,
      maxInflightBytes: raw.OMNIMAIL_MAX_INFLIGHT_BYTES,
      // Default: room for two messages of the largest size.
      minFreeBytes: raw.OMNIMAIL_MIN_FREE_BYTES ?? 2 * raw.OMNIMAIL_MAX_MESSAGE_BYTES,
    },
    http: {
      port: raw.PORT,
      host: raw.HOST,
      publicUrl: raw.OMNIMAIL_PUBLIC_URL ?? `http://localhost:${raw.PORT}`,
      corsOrigins: raw.OMNIMAIL_CORS_ORIGINS,
      rateLimitPerMinute: raw.OMNIMAIL_RATE_LIMIT_PER_MINUTE,
      tenantRateLimitPerMinute:
        raw.OMNIMAIL_TENANT_RATE_LIMIT_PER_MINUTE ?? 2 * raw.OMNIMAIL_RATE_LIMIT_PER_MINUTE,
      authFailuresPerMinute: raw.OMNIMAIL_AUTH_FAILURES_PER_MINUTE,
      proxyHops: raw.OMNIMAIL_PROXY_HOPS,
      maxApiKeysPerTenant: raw.OMNIMAIL_MAX_API_KEYS_PER_TENANT,
      testEventsPerMinute: raw.OMNIMAIL_TEST_EVENTS_PER_MINUTE,
      longPollsPerKey: raw.OMNIMAIL_LONG_POLLS_PER_KEY,
      longPollsPerTenant: raw.OMNIMAIL_LONG_POLLS_PER_TENANT,
    },
    adminToken: raw.OMNIMAIL_ADMIN_TOKEN,
    allowPrivateWebhooks: raw.OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS,
    defaultDomain: raw.OMNIMAIL_DEFAULT_DOMAIN,
    bootstrapApiKey: raw.OMNIMAIL_BOOTSTRAP_API_KEY,
    webhookRetryScheduleSeconds: raw.OMNIMAIL_WEBHOOK_RETRY_SCHEDULE,
    eventRetentionDays: raw.OMNIMAIL_EVENT_RETENTION_DAYS,
    signedUrlTtlSeconds: raw.OMNIMAIL_SIGNED_URL_TTL_SECONDS,
    rejectionRetentionDays: raw.OMNIMAIL_REJECTION_RETENTION_DAYS,
    logLevel: raw.LOG_LEVEL,
  };
}
