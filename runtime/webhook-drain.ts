import { hostname } from "node:os";
import type { Config } from "../core/config";
import { randomBase62 } from "../core/crypto";
import type { Logger } from "../core/logger";
import { type DrainOptions, drainOutbox } from "../core/outbox/drain";
import type { Database } from "../db/client";
import { type DrainLoop, startDrainLoop } from "./drain-loop";
import { createGuardedTransport } from "./webhook-transport";

/** The Bun process's webhook drain: guarded transport, configured retry schedule, nudgeable loop. */
export function startWebhookDrain(input: {
  config: Pick<Config, "allowPrivateWebhooks" | "webhookRetryScheduleSeconds">;
  database: Database;
  logger: Logger;
  intervalMs?: number;
  options?: DrainOptions;
}): DrainLoop {
  const transport = createGuardedTransport({ allowPrivate: input.config.allowPrivateWebhooks });
  const owner = `${hostname()}:${process.pid}:${randomBase62(6)}`;
  return startDrainLoop({
    drain: () =>
      drainOutbox(
        {
          db: input.database.db,
          transport,
          logger: input.logger,
          retryScheduleSeconds: input.config.webhookRetryScheduleSeconds,
          owner,
        },
        input.options,
      ),
    logger: input.logger,
    intervalMs: input.intervalMs,
  });
}
