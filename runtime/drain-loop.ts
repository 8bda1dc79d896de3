import type { Logger } from "../core/logger";
import type { DrainCounts } from "../core/outbox/drain";

/**
 * Runs the outbox drain in the Bun process: at once when nudged (right after a
 * message commits, so webhooks leave within milliseconds), and on a timer for
 * retries that come due. Runs never overlap; a nudge during a run schedules one
 * more run right after it, so no commit waits for the timer.
 */
export interface DrainLoop {
  nudge(): void;
  /** Stops the timer and waits for the run in progress. */
  stop(): Promise<void>;
}

export function startDrainLoop(input: {
  drain: () => Promise<DrainCounts>;
  logger: Logger;
  intervalMs?: number;
}): DrainLoop {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  const run = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    again = false;
    running = input
      .drain()
      .then(
        (counts) => {
          if (counts.claimed > 0) input.logger.debug("outbox drained", { ...counts });
        },
        (error: unknown) => input.logger.error("outbox drain failed", { error: String(error) }),
      )
      .finally(() => {
        running = null;
        if (again) run();
      });
  };

  const timer = setInterval(run, input.intervalMs ?? 1000);
  run();
  return {
    nudge: run,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
