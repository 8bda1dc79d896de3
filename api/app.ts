import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { ConflictError, CoreError, InvalidError, NotFoundError } from "../core/errors";
import { createWaitSlots } from "../core/messages/wait";
import { createMetrics } from "../core/metrics";
import { createApiKeyAuthenticator } from "../core/tenancy/api-keys";
import { classifyStoreError, StoreWriteError } from "../db/store";
import { createAllowedMethods } from "./allowed-methods";
import type { AppDeps, AppEnv } from "./context";
import { describeErrorForLog } from "./error-log";
import { adminAuth } from "./middleware/admin-auth";
import { apiKeyAuth } from "./middleware/auth";
import { createAuthFailureGuard } from "./middleware/auth-failures";
import { countRequests } from "./middleware/metrics";
import { rateLimitByApiKey } from "./middleware/rate-limit";
import { requestId } from "./middleware/request-id";
import { signedLinkAuth } from "./middleware/signed-link";
import { registerOpenApiRoutes } from "./openapi";
import { ApiError, problemJson, problems } from "./problem";
import { registerAdminRoutes } from "./routes/admin";
import { registerApiKeyRoutes } from "./routes/api-keys";
import { registerDomainRoutes } from "./routes/domains";
import { registerEventRoutes } from "./routes/events";
import { registerHealthRoutes } from "./routes/health";
import { registerMailboxRoutes } from "./routes/mailboxes";
import { registerMessageRoutes } from "./routes/messages";
import { registerRejectionRoutes } from "./routes/rejections";
import { registerReplyAddressRoutes } from "./routes/reply-addresses";
import { registerRuleRoutes } from "./routes/rules";
import { registerSigningKeyRoutes } from "./routes/signing-keys";
import { registerThreadRoutes } from "./routes/threads";
import { registerUsageRoutes } from "./routes/usage";
import { registerWebhookRoutes } from "./routes/webhooks";
import { registerInboxUi } from "./ui/routes";

/** Every JSON body we take is small; mail comes in over SMTP, not here. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

const LOCATION_PREFIX: Record<string, string> = {
  json: "body",
  param: "path",
  query: "query",
  header: "header",
};

/**
 * The one Hono app, served by Bun (api/bun.ts) and by Workers (api/worker.ts).
 * No listening and no environment here: everything comes in through `deps`.
 */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // Schema failures become problem+json naming each field, e.g. `query.limit`.
    defaultHook: (result, c) => {
      if (result.success) return;
      const prefix = LOCATION_PREFIX[result.target] ?? result.target;
      const errors = result.error.issues.flatMap((issue) => {
        const at = [prefix, ...issue.path.map(String)];
        // Unknown fields (strict objects): the object, then one entry naming each field.
        if (issue.code === "unrecognized_keys") {
          return [
            {
              location: at.join("."),
              message: `has fields this endpoint does not take: ${issue.keys.join(", ")}`,
            },
            ...issue.keys.map((key) => ({
              location: [...at, key].join("."),
              message: "is not a known field",
            })),
          ];
        }
        return [{ location: at.join("."), message: issue.message }];
      });
      return problemJson(c, problems.invalid("the request does not match the schema", errors));
    },
  });
  const metrics = deps.metrics ?? createMetrics();

  app.use("*", requestId);
  app.use("*", countRequests(metrics));
  if (deps.corsOrigins && deps.corsOrigins.length > 0) app.use("*", cors(corsOptions(deps.corsOrigins)));
  // OPTIONS (RFC 9110 §9.3.7) says which methods a path takes; it carries no credentials (a browser's
  // preflight never does), so it is answered before authentication. With CORS on, cors() answered it.
  const allowedMethods = createAllowedMethods(app);
  app.options("*", async (c, next) => {
    const allowed = allowedMethods(c.req.path);
    if (allowed.length === 0) return next();
    return c.body(null, 204, { Allow: allowed.join(", ") });
  });
  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_REQUEST_BODY_BYTES,
      onError: (c) => problemJson(c, problems.tooLarge(MAX_REQUEST_BODY_BYTES)),
    }),
  );
  // Wrong API keys and wrong admin tokens count against one budget per client address.
  const authFailures = deps.authFailuresPerMinute
    ? createAuthFailureGuard({ perMinute: deps.authFailuresPerMinute, proxyHops: deps.proxyHops ?? 0 })
    : undefined;
  app.use("/admin/*", adminAuth(deps, authFailures));
  // Keys are remembered for 10 s in this process: a warm request costs no database round trip for auth.
  const keys = createApiKeyAuthenticator(deps.store);
  // A signed link (a webhook's raw_url or attachment url) stands in for the key on the two routes it opens.
  app.use(
    "/v1/*",
    signedLinkAuth(() => deps.store.db, authFailures),
  );
  app.use("/v1/*", apiKeyAuth(keys, authFailures));
  if (deps.rateLimitPerMinute || deps.tenantRateLimitPerMinute) {
    app.use(
      "/v1/*",
      rateLimitByApiKey({
        perMinute: deps.rateLimitPerMinute ?? 0,
        tenantPerMinute: deps.tenantRateLimitPerMinute,
      }),
    );
  }

  registerHealthRoutes(app, deps, metrics);
  registerAdminRoutes(app, deps);
  registerApiKeyRoutes(app, deps, keys);
  registerDomainRoutes(app, deps);
  registerMailboxRoutes(app, deps);
  // One count of open long polls and event streams per process (per isolate on Workers), like the rate limits.
  const waitSlots = createWaitSlots({
    perKey: deps.longPollsPerKey ?? 0,
    perTenant: deps.longPollsPerTenant ?? 0,
  });
  registerMessageRoutes(app, deps, waitSlots);
  registerWebhookRoutes(app, deps);
  registerEventRoutes(app, deps, waitSlots);
  registerSigningKeyRoutes(app, deps);
  registerReplyAddressRoutes(app, deps);
  registerRuleRoutes(app, deps);
  registerRejectionRoutes(app, deps);
  registerUsageRoutes(app, deps);
  registerThreadRoutes(app, deps);

  registerOpenApiRoutes(app, deps);
  registerInboxUi(app);

  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path);
    if (allowed.length > 0)
      return problemJson(c, problems.methodNotAllowed(c.req.method, c.req.path, allowed));
    return problemJson(c, problems.notFound(`no route for ${c.req.method} ${c.req.path}`));
  });
  app.onError((error, c) => problemJson(c, toApiError(error, deps, c.get("requestId"))));
  return app;
}

function toApiError(error: unknown, deps: AppDeps, requestId: string | undefined): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof NotFoundError) return problems.notFound(error.message);
  if (error instanceof ConflictError) return problems.conflict(error.message);
  if (error instanceof InvalidError) {
    return problems.unprocessable(error.message, [{ location: error.location, message: error.message }]);
  }
  // The validators throw these two before our hook sees the body.
  if (error instanceof HTTPException && error.status === 400 && /malformed json/i.test(error.message)) {
    return problems.malformedJson();
  }
  if (error instanceof HTTPException && error.status === 415) return problems.unsupportedMediaType();
  if (error instanceof HTTPException && error.status < 500) {
    return new ApiError({
      status: error.status,
      slug: "http-error",
      title: "Request Error",
      detail: error.message,
    });
  }
  // A store failure the client may retry: nothing was written.
  const storeKind = error instanceof StoreWriteError ? error.kind : classifyStoreError(error);
  const retryable = RETRYABLE_STORE_FAILURES[storeKind];
  if (retryable) {
    deps.logger.warn(retryable.log, { requestId, kind: storeKind, ...describeErrorForLog(error).fields });
    return new ApiError({
      status: retryable.status,
      slug: retryable.slug,
      title: retryable.title,
      detail: retryable.detail,
      headers: { "Retry-After": retryable.retryAfterSeconds },
    });
  }
  // Unknown: log the details with the request id, tell the client nothing internal. A failed
  // statement is logged by class, code and text, never with its parameters (api/error-log.ts).
  const described = describeErrorForLog(error);
  deps.logger.error("unhandled error", { requestId, ...described.fields, core: error instanceof CoreError });
  if (described.driverMessage) {
    deps.logger.debug("unhandled error: driver message", {
      requestId,
      driverMessage: described.driverMessage,
    });
  }
  return new ApiError({
    status: 500,
    slug: "internal",
    title: "Internal Server Error",
    detail: `something went wrong on our side; quote request id ${requestId ?? "unknown"} when reporting it`,
  });
}

function corsOptions(origins: string[]) {
  return {
    origin: origins.includes("*") ? "*" : origins,
    allowHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
    exposeHeaders: [
      "X-Request-Id",
      "RateLimit-Limit",
      "RateLimit-Remaining",
      "RateLimit-Reset",
      "RateLimit-Policy",
      "Retry-After",
    ],
    maxAge: 600,
  };
}

interface RetryableStoreFailure {
  log: string;
  status: 503 | 507;
  slug: string;
  title: string;
  detail: string;
  retryAfterSeconds: string;
}

/** The database unreachable or locked past its timeout (RFC 9110 §15.6.4). */
const STORAGE_UNAVAILABLE: RetryableStoreFailure = {
  log: "storage unavailable",
  status: 503,
  slug: "storage-unavailable",
  title: "Service Unavailable",
  detail: "the database cannot be reached right now; retry in a few seconds",
  retryAfterSeconds: "5",
};

/** How the API answers each store failure a client may retry; the others are 500. */
const RETRYABLE_STORE_FAILURES: Partial<Record<StoreWriteError["kind"], RetryableStoreFailure>> = {
  unavailable: STORAGE_UNAVAILABLE,
  busy: STORAGE_UNAVAILABLE,
  expired: STORAGE_UNAVAILABLE,
  // The disk (or the database's size limit) is full: retry once space is freed (RFC 4918 §11.5).
  // README "When the disk fills" says what frees it.
  full: {
    log: "storage full",
    status: 507,
    slug: "storage-full",
    title: "Insufficient Storage",
    detail: "the database's disk is full; nothing was changed. Retry once space is freed",
    retryAfterSeconds: "60",
  },
};
