import { hostname } from "node:os";
import type { Config } from "../core/config";
import { randomBase62 } from "../core/crypto";
import type { Logger } from "../core/logger";
import type { Metrics } from "../core/metrics";
import { type DrainOptions, drainOutbox } from "../core/outbox/drain";
import type { Store } from "../db/store";
import { createGuardedTransport } from "./webhook-transport";

/**
 * The one Bun wiring of the outbox drain, used wherever Bun drains (`npm
 * start`, `npm run smtp`, `npm run api`, the tests). It is woken, not polled:
 * every commit that queued deliveries nudges it at once, and after each run it
 * sleeps until the next retry or lease comes due, as the run's own read said
 * (at most `intervalMs`, 60 s, in case another process queued work without
 * telling us). So an idle edge asks the database once a minute, not once a
 * second — on a metered remote database that is 1,440 requests a day, not
 * 86,400. One run at a time; a nudge during a run makes that run claim again at
 * once (it has free slots while one endpoint is slow).
 */
export interface OutboxDrain {
  nudge(): void;
  /** Stops the timer and waits for the run in progress (sends in flight finish and are recorded). */
  stop(): Promise<void>;
}

export function startOutboxDrain(input: {
  config: Pick<Config, "allowPrivateWebhooks" | "webhookRetryScheduleSeconds" | "signedUrlTtlSeconds">;
  store: Store;
  logger: Logger;
  /** Longest sleep between runs (default 60 s); retries wake it when they come due, commits at once. */
  intervalMs?: number | undefined;
  options?: Omit<DrainOptions, "wake" | "stopping"> | undefined;
  /** Attempts by outcome and run durations go to /metrics. */
  metrics?: Pick<Metrics, "observeDrainRun"> | undefined;
}): OutboxDrain {
  const logger = input.logger;
  const transport = createGuardedTransport({ allowPrivate: input.config.allowPrivateWebhooks });
  const owner = `${hostname()}:${process.pid}:${randomBase62(6)}`;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let wakeRun: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const maxSleepMs = input.intervalMs ?? 60_000;

  /** Sleeps until `dueAt` (or the longest sleep), then runs. */
  const sleepUntil = (dueAt: number | null) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    const delay = dueAt === null ? maxSleepMs : Math.min(maxSleepMs, Math.max(0, dueAt - Date.now()));
    timer = setTimeout(() => run(false), delay);
  };

  const wake = () =>
    new Promise<void>((resolve) => {
      wakeRun = resolve;
    });

  /** `queued`: a commit just announced deliveries it queued (a nudge or a timer only says there may be some). */
  const run = (queued: boolean): void => {
    if (stopped) return;
    if (running) {
      again = true;
      wakeRun?.();
      return;
    }
    const queuedNow = queued;
    again = false;
    if (timer) clearTimeout(timer);
    timer = null;
    let nextDueAt: number | null = null;
    const started = performance.now();
    running = drainOutbox(
      {
        store: input.store,
        transport,
        logger,
        retryScheduleSeconds: input.config.webhookRetryScheduleSeconds,
        signedUrlTtlSeconds: input.config.signedUrlTtlSeconds,
        owner,
      },
      // No budget: the Bun drain runs as long as there is work.
      { budgetMs: Number.POSITIVE_INFINITY, ...input.options, wake, stopping: () => stopped, queuedNow },
    )
      .then(
        (counts) => {
          nextDueAt = counts.nextDueAt;
          input.metrics?.observeDrainRun({ ...counts, seconds: (performance.now() - started) / 1000 });
          if (counts.claimed > 0) logger.debug("outbox drained", { ...counts });
        },
        (error: unknown) => {
          // The database may be down: try again soon, not at once.
          nextDueAt = Date.now() + Math.min(maxSleepMs, 1000);
          logger.error("outbox drain failed", { error: String(error) });
        },
      )
      .finally(() => {
        running = null;
        wakeRun = null;
        if (again) run(true);
        else sleepUntil(nextDueAt);
      });
  };

  const unsubscribe = input.store.onCommitted((_request, announced) => {
    if (announced) run(true);
  });
  run(false);
  return {
    nudge: () => run(false),
    stop: async () => {
      stopped = true;
      wakeRun?.();
      unsubscribe();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
