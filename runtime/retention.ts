import type { Logger } from "../core/logger";
import { applyRetention, type RetentionSettings } from "../core/retention";
import type { Store } from "../db/store";

/** How often the Bun process trims what is kept for a while (the Worker's cron does it at the top of each hour). */
export const RETENTION_INTERVAL_MS = 3_600_000;

/**
 * Runs core/retention.ts a minute after start and then every hour. A failure
 * is logged and tried again at the next run: what is past its time does no
 * harm while it waits.
 */
export function startRetention(input: {
  store: Store;
  settings: Omit<RetentionSettings, "now">;
  logger: Logger;
}): { runNow(): Promise<void>; stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const run = () => {
    running ??= applyRetention(input.store, input.settings)
      .then((deleted) => {
        if (deleted.messages + deleted.events + deleted.rejections > 0) {
          input.logger.info("expired data deleted", deleted);
        }
      })
      .catch((error: unknown) => input.logger.warn("retention failed", { error: String(error) }))
      .finally(() => {
        running = null;
      });
    return running;
  };
  const first = setTimeout(run, 60_000);
  const every = setInterval(run, RETENTION_INTERVAL_MS);
  first.unref?.();
  every.unref?.();
  return {
    runNow: run,
    async stop() {
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}
