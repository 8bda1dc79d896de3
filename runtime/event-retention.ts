import { purgeExpiredEvents } from "../core/events/retention";
import type { Logger } from "../core/logger";
import type { Store } from "../db/store";

/** How often the Bun process deletes expired events (the Worker's cron does it at the top of each hour). */
export const EVENT_RETENTION_INTERVAL_MS = 3_600_000;

/**
 * Deletes events older than the retention a minute after start and then every
 * hour, in short batches (core/events/retention.ts). A failure is logged and
 * tried again at the next run: expired events do no harm while they wait.
 */
export function startEventRetention(input: {
  store: Pick<Store, "write">;
  retentionDays: number;
  logger: Logger;
}): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const run = () => {
    running ??= purgeExpiredEvents(input.store, { retentionDays: input.retentionDays })
      .then((deleted) => {
        if (deleted > 0) input.logger.info("expired events deleted", { deleted });
      })
      .catch((error: unknown) =>
        input.logger.warn("deleting expired events failed", { error: String(error) }),
      )
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(run, 60_000);
  const every = setInterval(run, EVENT_RETENTION_INTERVAL_MS);
  first.unref?.();
  every.unref?.();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}
