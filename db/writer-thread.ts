/// <reference lib="webworker" />
import { hostname } from "node:os";
import { randomBase62 } from "../core/crypto";
import { createLogger, type LogLevel } from "../core/logger";
import { drainOutbox } from "../core/outbox/drain";
import { type DrainLoop, startDrainLoop } from "../runtime/drain-loop";
import { createGuardedTransport } from "../runtime/webhook-transport";
import { createDatabase } from "./client";
import { createGroupCommitWriter } from "./group-commit";
import type { SqlStatement } from "./statements";

/**
 * The database writer thread (Bun Worker). It owns its own connection and
 * group-commits the batches the main thread sends, so commits and fsyncs run
 * on the second core instead of blocking the event loop that serves SMTP.
 * It also runs the webhook drain, so every outbox write (claims, attempts)
 * happens on the same connection as the message writes: no waiting on each
 * other for SQLite's write lock, and the drain is nudged by the very commit
 * that wrote outbox rows. Protocol: `init` once, then `write`s answered by id.
 */
export interface DrainSettings {
  retryScheduleSeconds: number[];
  allowPrivateWebhooks: boolean;
  intervalMs: number;
  timeoutMs?: number | undefined;
  logLevel: LogLevel;
}

export type WriterRequest =
  | {
      type: "init";
      url: string;
      authToken?: string | undefined;
      busyTimeoutMs: number;
      drain?: DrainSettings | undefined;
    }
  | { type: "write"; id: number; statements: SqlStatement[] }
  | { type: "nudge" }
  | { type: "stop" };

export type WriterResponse =
  | { type: "ready" }
  | { type: "init-failed"; error: string }
  | { type: "written"; id: number }
  | { type: "failed"; id: number; error: string }
  | { type: "stopped" };

declare const self: Worker;

let writer: ReturnType<typeof createGroupCommitWriter> | null = null;
let drain: DrainLoop | null = null;

const OUTBOX_INSERT = /^insert into "webhook_deliveries"/i;

async function init(request: Extract<WriterRequest, { type: "init" }>): Promise<void> {
  const database = await createDatabase({
    url: request.url,
    authToken: request.authToken,
    busyTimeoutMs: request.busyTimeoutMs,
  });
  writer = createGroupCommitWriter(database.client);
  const settings = request.drain;
  if (settings) {
    const logger = createLogger(settings.logLevel, "webhook-drain");
    const transport = createGuardedTransport({ allowPrivate: settings.allowPrivateWebhooks });
    const owner = `${hostname()}:${process.pid}:writer:${randomBase62(6)}`;
    drain = startDrainLoop({
      drain: () =>
        drainOutbox(
          {
            db: database.db,
            // Attempt records join the group commits of this thread.
            write: writer ?? undefined,
            transport,
            logger,
            retryScheduleSeconds: settings.retryScheduleSeconds,
            owner,
          },
          settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {},
        ),
      logger,
      intervalMs: settings.intervalMs,
    });
  }
}

self.onmessage = async (event: MessageEvent<WriterRequest>) => {
  const request = event.data;
  switch (request.type) {
    case "init":
      try {
        await init(request);
        postMessage({ type: "ready" } satisfies WriterResponse);
      } catch (error) {
        postMessage({ type: "init-failed", error: String(error) } satisfies WriterResponse);
      }
      return;
    case "nudge":
      drain?.nudge();
      return;
    case "stop":
      await drain?.stop();
      postMessage({ type: "stopped" } satisfies WriterResponse);
      return;
    case "write": {
      if (!writer) {
        postMessage({
          type: "failed",
          id: request.id,
          error: "writer not initialised",
        } satisfies WriterResponse);
        return;
      }
      const announces = request.statements.some((statement) => OUTBOX_INSERT.test(statement.sql));
      writer(request.statements).then(
        () => {
          postMessage({ type: "written", id: request.id } satisfies WriterResponse);
          // The rows are committed: send the webhooks now, not at the next tick of the timer.
          if (announces) drain?.nudge();
        },
        (error: unknown) =>
          postMessage({ type: "failed", id: request.id, error: String(error) } satisfies WriterResponse),
      );
      return;
    }
  }
};
