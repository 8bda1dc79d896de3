import type { Config } from "../core/config";
import type { Logger } from "../core/logger";
import type { MessageNotifier } from "../core/messages/notifier";
import type { Metrics } from "../core/metrics";
import type { ResolveTxt } from "../core/tenancy/domains";
import type { UrlGuardOptions } from "../core/webhooks/url-guard";
import type { Store } from "../db/store";

/** What the app needs from its host (Bun or a Worker). No environment reads inside the app. */
export interface AppDeps {
  /** Reads through `store.db`; every write commits through the store. */
  store: Store;
  logger: Logger;
  publicUrl: string;
  adminToken?: string | undefined;
  /**
   * "A message was stored" events from the SMTP ingest in the same process:
   * long polls wake on the commit. Absent (a Worker, `npm run api` alone):
   * long polls re-check the database every 2 s instead.
   */
  messageEvents?: MessageNotifier | undefined;
  /** The registry /metrics renders; the SMTP edge counts into the same one. Default: a new, app-only one. */
  metrics?: Metrics | undefined;
  /** Requests per minute per API key (a token bucket in memory). 0 or absent: no limit. */
  rateLimitPerMinute?: number | undefined;
  /** Requests per minute per tenant, one bucket for all its keys. 0 or absent: no limit. */
  tenantRateLimitPerMinute?: number | undefined;
  /** Failed authentications per minute per client address (API keys and admin token). 0 or absent: no limit. */
  authFailuresPerMinute?: number | undefined;
  /** Reverse proxies in front whose X-Forwarded-For entries name the client (api/client-address.ts). Default 0. */
  proxyHops?: number | undefined;
  /** Active API keys a tenant may create through the API. 0 or absent: no limit. */
  maxApiKeysPerTenant?: number | undefined;
  /** Test events per webhook endpoint per minute. 0 or absent: no limit. */
  testEventsPerMinute?: number | undefined;
  /** Long polls open at once in this process, per API key and per tenant. 0 or absent: no limit. */
  longPollsPerKey?: number | undefined;
  longPollsPerTenant?: number | undefined;
  /**
   * A tenant's rules, limits or RCPT hook changed through this app: the SMTP
   * edge of this process forgets its cached answers for that tenant at once
   * (other processes within 5 s).
   */
  onPolicyChanged?: ((tenantId: string) => void) | undefined;
  /** Milliseconds between an idle event stream's heartbeat comments. Default 15 000. */
  eventStreamHeartbeatMs?: number | undefined;
  /** Days the event log keeps events (OMNIMAIL_EVENT_RETENTION_DAYS): the oldest `since` a recover takes. Default 7. */
  eventRetentionDays?: number | undefined;
  /** Seconds a signed link (events, `?signed_urls=1`) opens without a key (OMNIMAIL_SIGNED_URL_TTL_SECONDS). Default 3600. */
  signedUrlTtlSeconds?: number | undefined;
  /** Origins allowed to call the API from a browser (`*` for any). Empty or absent: no CORS headers. */
  corsOrigins?: string[] | undefined;
  /**
   * Webhook URL checks (with DNS where the runtime has it) and the drain nudge
   * (Bun: send queued test events and replays at once). Default: no private
   * targets, no DNS check, no nudge (the cron drains).
   */
  webhooks?: { guard: UrlGuardOptions; nudge?: (() => void) | undefined } | undefined;
  /**
   * DNS TXT lookups for domain verification (POST /v1/domains/{id}/verify):
   * the Bun process's DNS client, DNS over HTTPS on a Worker. Absent: the
   * route answers 404 and an operator verifies domains.
   */
  resolveTxt?: ResolveTxt | undefined;
}

/** The AppDeps that come straight from configuration (every entry passes the same). */
export function appSettingsFrom(
  config: Config,
): Pick<
  AppDeps,
  | "publicUrl"
  | "adminToken"
  | "rateLimitPerMinute"
  | "tenantRateLimitPerMinute"
  | "authFailuresPerMinute"
  | "proxyHops"
  | "maxApiKeysPerTenant"
  | "testEventsPerMinute"
  | "longPollsPerKey"
  | "longPollsPerTenant"
  | "corsOrigins"
  | "eventRetentionDays"
  | "signedUrlTtlSeconds"
> {
  return {
    publicUrl: config.http.publicUrl,
    adminToken: config.adminToken,
    rateLimitPerMinute: config.http.rateLimitPerMinute,
    tenantRateLimitPerMinute: config.http.tenantRateLimitPerMinute,
    authFailuresPerMinute: config.http.authFailuresPerMinute,
    proxyHops: config.http.proxyHops,
    maxApiKeysPerTenant: config.http.maxApiKeysPerTenant,
    testEventsPerMinute: config.http.testEventsPerMinute,
    longPollsPerKey: config.http.longPollsPerKey,
    longPollsPerTenant: config.http.longPollsPerTenant,
    corsOrigins: config.http.corsOrigins,
    eventRetentionDays: config.eventRetentionDays,
    signedUrlTtlSeconds: config.signedUrlTtlSeconds,
  };
}

/** Per-request values set by middleware. */
export interface AppVariables {
  requestId: string;
  tenantId: string;
  apiKeyId: string;
}

export type AppEnv = { Variables: AppVariables };
