import type { Logger } from "../core/logger";
import type { Database } from "../db/client";

/** What the app needs from its host (Bun or a Worker). No environment reads inside the app. */
export interface AppDeps {
  database: Database;
  logger: Logger;
  publicUrl: string;
  adminToken?: string | undefined;
}

/** Per-request values set by middleware. */
export interface AppVariables {
  requestId: string;
  tenantId: string;
  apiKeyId: string;
}

export type AppEnv = { Variables: AppVariables };
