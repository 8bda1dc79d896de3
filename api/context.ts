import type { Logger } from "../core/logger";
import type { UrlGuardOptions } from "../core/webhooks/url-guard";
import type { Database } from "../db/client";

/** What the app needs from its host (Bun or a Worker). No environment reads inside the app. */
export interface AppDeps {
  database: Database;
  logger: Logger;
  publicUrl: string;
  adminToken?: string | undefined;
  /**
   * Webhook URL checks (with DNS where the runtime has it) and the drain nudge
   * (Bun: send queued test events and replays at once). Default: no private
   * targets, no DNS check, no nudge (the cron drains).
   */
  webhooks?: { guard: UrlGuardOptions; nudge?: (() => void) | undefined } | undefined;
}

/** Per-request values set by middleware. */
export interface AppVariables {
  requestId: string;
  tenantId: string;
  apiKeyId: string;
}

export type AppEnv = { Variables: AppVariables };
