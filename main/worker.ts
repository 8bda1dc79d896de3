import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ExecutionContext } from "hono";
import { createApp } from "../api/app";
import { type AppEnv, appSettingsFrom } from "../api/context";
import { type Config, ConfigError, parseConfig } from "../core/config";
import { createDohTxtResolver } from "../core/dns-over-https";
import { createLogger, type Logger } from "../core/logger";
import { createMetrics, type Metrics } from "../core/metrics";
import { drainOutbox } from "../core/outbox/drain";
import { createRejectionLedger } from "../core/policy/ledger";
import { createRcptHookCaller } from "../core/policy/rcpt-hook";
import { applyRetention } from "../core/retention";
import { createFetchTransport } from "../core/webhooks/transport";
import { createDatabase } from "../db/client";
import { createInlineStore, type Store } from "../db/store";
import { createEmailReceiver, type IncomingEmail } from "../email-worker/receive-email";

/**
 * The Cloudflare Worker entry: the same Hono app on `fetch`, the same outbox
 * drain on the cron trigger (`scheduled`), and the Email Routing ingress on
 * `email` (email-worker/), which drains the message's webhooks right after its
 * commit. The database is remote libSQL (Turso): `DATABASE_URL` and
 * `DATABASE_AUTH_TOKEN` are secrets. Migrations are applied before deploy
 * (`npm run migrate` against the same URL), not here.
 */

type WorkerEnv = Record<string, unknown>;
/** The part of the Workers runtime types we use (no @cloudflare/workers-types needed). */
interface ScheduledController {
  readonly scheduledTime: number;
  readonly cron: string;
}

interface Runtime {
  config: Config;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  app: OpenAPIHono<AppEnv>;
  receiveEmail: ReturnType<typeof createEmailReceiver>;
}

// One runtime per isolate, built on first use from the bindings.
let runtime: Promise<Runtime> | null = null;

function stringBindings(env: WorkerEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

function getRuntime(env: WorkerEnv): Promise<Runtime> {
  runtime ??= (async () => {
    const config = parseConfig(stringBindings(env));
    const logger = createLogger(config.logLevel, "worker");
    const database = await createDatabase({ url: config.databaseUrl, authToken: config.databaseAuthToken });
    // Remote libSQL over HTTP: each write is one batch (one round trip), no writer thread.
    const store = createInlineStore(database);
    // Per isolate, like the rate limits: /metrics on a Worker shows what this isolate saw.
    const metrics = createMetrics();
    const app = createApp({
      store,
      logger,
      metrics,
      // Rate limits are per isolate on Workers (in-memory buckets); CORS as configured.
      ...appSettingsFrom(config),
      // No DNS here; Workers' fetch does not reach private networks. Names are still checked.
      webhooks: { guard: { allowPrivate: config.allowPrivateWebhooks } },
      // Domain verification: DNS over HTTPS (a Worker has fetch, not sockets).
      resolveTxt: createDohTxtResolver(),
    });
    const receiveEmail = createEmailReceiver({
      store,
      links: { publicUrl: config.http.publicUrl },
      logger,
      metrics,
      maxMessageBytes: config.smtp.maxMessageBytes,
      serverName: new URL(config.http.publicUrl).hostname,
      ledger: createRejectionLedger({ store, logger }),
      callHook: createRcptHookCaller({
        transport: createFetchTransport({ allowPrivate: config.allowPrivateWebhooks }),
      }),
    });
    return { config, store, logger, metrics, app, receiveEmail };
  })().catch((error: unknown) => {
    runtime = null;
    throw error;
  });
  return runtime;
}

function configErrorResponse(error: unknown): Response {
  const detail = error instanceof ConfigError ? error.message : "the worker could not start";
  console.error(
    JSON.stringify({ level: "error", component: "worker", msg: "start-up failed", error: String(error) }),
  );
  return new Response(
    JSON.stringify({ type: "urn:omnimail:problem:internal", title: "Misconfigured", status: 500, detail }),
    {
      status: 500,
      headers: { "content-type": "application/problem+json" },
    },
  );
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let app: Runtime["app"];
    try {
      app = (await getRuntime(env)).app;
    } catch (error) {
      return configErrorResponse(error);
    }
    return app.fetch(request, env, ctx);
  },

  async scheduled(controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(runDrain(env));
    // Expired events go once an hour, not every minute (each run is a write).
    if (new Date(controller.scheduledTime).getUTCMinutes() === 0) ctx.waitUntil(runRetention(env));
  },

  /**
   * Email Routing hands each message here. A refusal is `setReject` (a bounce);
   * a temporary failure throws, so Email Routing retries instead of bouncing.
   */
  async email(message: IncomingEmail, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const { receiveEmail } = await getRuntime(env);
    const outcome = await receiveEmail(message);
    // Its webhooks leave now, not at the next cron tick, as on the Bun edge.
    if (outcome.status === "stored" && outcome.result.announced > 0) ctx.waitUntil(runDrain(env));
  },
};

/** The hourly cron's retention (old mail of mailboxes with retention_days, events, rejections). Never throws: the next hour tries again. */
async function runRetention(env: WorkerEnv): Promise<void> {
  try {
    const { config, store, logger } = await getRuntime(env);
    // At most 10 batches of each kind per run, well inside one invocation; a backlog goes over several hours.
    const deleted = await applyRetention(store, {
      eventRetentionDays: config.eventRetentionDays,
      rejectionRetentionDays: config.rejectionRetentionDays,
      maxBatches: 10,
    });
    if (deleted.messages + deleted.events + deleted.rejections > 0)
      logger.info("expired data deleted", deleted);
  } catch (error) {
    console.error(
      JSON.stringify({
        level: "error",
        component: "worker",
        msg: "event retention failed",
        error: String(error),
      }),
    );
  }
}

/** The cron's drain. Never throws: a failure is logged and the next minute tries again. */
async function runDrain(env: WorkerEnv): Promise<void> {
  try {
    const { config, store, logger, metrics } = await getRuntime(env);
    const started = performance.now();
    const counts = await drainOutbox(
      {
        store,
        transport: createFetchTransport({ allowPrivate: config.allowPrivateWebhooks }),
        logger,
        retryScheduleSeconds: config.webhookRetryScheduleSeconds,
        signedUrlTtlSeconds: config.signedUrlTtlSeconds,
        owner: `worker:${crypto.randomUUID()}`,
      },
      // Stay well inside one cron invocation.
      { budgetMs: 20_000 },
    );
    metrics.observeDrainRun({ ...counts, seconds: (performance.now() - started) / 1000 });
    logger.info("outbox drained", { ...counts });
  } catch (error) {
    console.error(
      JSON.stringify({
        level: "error",
        component: "worker",
        msg: "outbox drain failed",
        error: String(error),
      }),
    );
  }
}
