import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "./context";
import type { OpenApiDocument } from "./docs/openapi-types";
import { renderReferencePage } from "./docs/reference";

/** The document's top: everything else comes from the routes' schemas. */
function documentConfig(publicUrl: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "OmniMail API",
      version: "1.0.0",
      description: [
        "Inbound mail for your domains: tenants own domains, domains have mailboxes, mailboxes receive messages over SMTP;",
        "this API manages them and reads the mail.",
        "",
        "Authenticate with `Authorization: Bearer <api key>`. Errors are `application/problem+json` whose",
        "`errors[].location` names each field at fault (`query.limit`, `body.address`). Another tenant's id answers 404,",
        "exactly like an unknown one. Lists are newest first: `{data, next_cursor}`; pass `cursor` and `limit` (1-100).",
        "Every /v1 answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`.",
      ].join("\n"),
    },
    servers: [{ url: publicUrl }],
    security: [{ apiKey: [] }],
  };
}

/** `GET /openapi.json` (OpenAPI 3.1) and `GET /docs` (the same document as a readable page). */
export function registerOpenApiRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "A tenant's API key (`om_live_…`)",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "The operator's OMNIMAIL_ADMIN_TOKEN",
  });
  app.doc31("/openapi.json", documentConfig(deps.publicUrl));

  // Routes are all registered before the first request, so one rendering serves every later one.
  let page: Promise<string> | null = null;
  app.get("/docs", async (c) => {
    // The page reads the document exactly as /openapi.json serves it (plain JSON).
    page ??= renderReferencePage(
      JSON.parse(JSON.stringify(app.getOpenAPI31Document(documentConfig(deps.publicUrl)))) as OpenApiDocument,
    );
    return c.html(await page, 200, {
      // No script at all; inline styles only. Nothing is fetched from anywhere.
      "Content-Security-Policy":
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
      "X-Content-Type-Options": "nosniff",
    });
  });
}
