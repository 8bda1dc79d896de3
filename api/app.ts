import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { ConflictError, CoreError, InvalidError, NotFoundError } from "../core/errors";
import type { AppDeps, AppEnv } from "./context";
import { apiKeyAuth } from "./middleware/auth";
import { requestId } from "./middleware/request-id";
import { ApiError, problemJson, problems } from "./problem";
import { registerHealthRoutes } from "./routes/health";
import { registerMailboxRoutes } from "./routes/mailboxes";
import { registerMessageRoutes } from "./routes/messages";
import { registerWebhookRoutes } from "./routes/webhooks";

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
      const errors = result.error.issues.map((issue) => ({
        location: [prefix, ...issue.path.map(String)].join("."),
        message: issue.message,
      }));
      return problemJson(c, problems.invalid("the request does not match the schema", errors));
    },
  });

  app.use("*", requestId);
  app.use("/v1/*", apiKeyAuth(deps));

  registerHealthRoutes(app, deps);
  registerMailboxRoutes(app, deps);
  registerMessageRoutes(app, deps);
  registerWebhookRoutes(app, deps);

  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "OmniMail API",
      version: "1.0.0",
      description: "Inbound mail for your domains: mailboxes, messages, webhooks.",
    },
    servers: [{ url: deps.publicUrl }],
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", { type: "http", scheme: "bearer" });

  app.notFound((c) => problemJson(c, problems.notFound(`no route for ${c.req.method} ${c.req.path}`)));
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
  if (error instanceof HTTPException && error.status < 500) {
    return new ApiError({
      status: error.status,
      slug: "http-error",
      title: "Request Error",
      detail: error.message,
    });
  }
  // Unknown: log the details with the request id, tell the client nothing internal.
  deps.logger.error("unhandled error", {
    requestId,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    core: error instanceof CoreError,
  });
  return new ApiError({
    status: 500,
    slug: "internal",
    title: "Internal Server Error",
    detail: `something went wrong on our side; quote request id ${requestId ?? "unknown"} when reporting it`,
  });
}
