import { hostname } from "node:os";
import type { Config } from "../core/config";
import { randomBase62 } from "../core/crypto";
import type { Logger } from "../core/logger";
import { type DrainOptions, drainOutbox } from "../core/outbox/drain";
import type { Store } from "../db/store";
import { createGuardedTransport } from "./webhook-transport";

/**
 * The one Bun wiring of the outbox drain, used wherever Bun drains (`npm
 * start`, `npm run smtp`, `npm run api`, the tests). It is woken, not polled
 * hard: every commit that queued deliveries (`announces`) nudges it at once,
 * and a slow timer picks up retries that come due. One run at a time; a nudge
 * during a run makes that run claim again at once (it has free slots while
 * one endpoint is slow), so no commit waits for the timer.
 */
export interface OutboxDrain {
  nudge(): void;
  /** Stops the timer and waits for the run in progress (sends in flight finish and are recorded). */
  stop(): Promise<void>;
}

export function startOutboxDrain(input: {
  config: Pick<Config, "allowPrivateWebhooks" | "webhookRetryScheduleSeconds">;
  store: Store;
  logger: Logger;
  /** Retries come due on this timer (default 1 s); fresh deliveries never wait for it. */
  intervalMs?: number | undefined;
  options?: Omit<DrainOptions, "wake"> | undefined;
}): OutboxDrain {
  const logger = input.logger;
  const transport = createGuardedTransport({ allowPrivate: input.config.allowPrivateWebhooks });
  const owner = `${hostname()}:${process.pid}:${randomBase62(6)}`;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let wakeRun: (() => void) | null = null;

  const wake = () =>
    new Promise<void>((resolve) => {
      wakeRun = resolve;
    });

  const run = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      wakeRun?.();
      return;
    }
    again = false;
    running = drainOutbox(
      {
        store: input.store,
        transport,
        logger,
        retryScheduleSeconds: input.config.webhookRetryScheduleSeconds,
        owner,
      },
      // No budget: the Bun drain runs as long as there is work.
      { budgetMs: Number.POSITIVE_INFINITY, ...input.options, wake },
    )
      .then(
        (counts) => {
          if (counts.claimed > 0) logger.debug("outbox drained", { ...counts });
        },
        (error: unknown) => logger.error("outbox drain failed", { error: String(error) }),
      )
      .finally(() => {
        running = null;
        wakeRun = null;
        if (again) run();
      });
  };

  const unsubscribe = input.store.onCommitted((_request, announced) => {
    if (announced) run();
  });
  const timer = setInterval(run, input.intervalMs ?? 1000);
  run();
  return {
    nudge: run,
    stop: async () => {
      stopped = true;
      unsubscribe();
      clearInterval(timer);
      await running;
    },
  };
}
