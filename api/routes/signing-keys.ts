import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { rotateLinkKey } from "../../core/links/link-keys";
import type { AppDeps, AppEnv } from "../context";
import { problemResponses } from "../schemas";

const RotatedSchema = z
  .object({ rotated_at: z.string().openapi({ description: "Links signed before this no longer open" }) })
  .openapi("RotatedSigningKey");

const rotateRoute = createRoute({
  method: "post",
  path: "/v1/signing-keys/rotate",
  tags: ["Messages"],
  summary: "Replace the tenant's link key: every signed link handed out before stops opening",
  description: [
    "The `raw_url` and attachment `url` of webhooks, events and `?signed_urls=1` are signed with a per-tenant key.",
    "Rotate it when a link leaked: from this answer on, every earlier link is refused (403) and new ones are signed",
    "with the new key.",
  ].join(" "),
  responses: {
    200: { description: "Rotated", content: { "application/json": { schema: RotatedSchema } } },
    ...problemResponses,
  },
});

export function registerSigningKeyRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(rotateRoute, async (c) => {
    const now = Date.now();
    await rotateLinkKey(deps.store, c.get("tenantId"), now);
    return c.json({ rotated_at: new Date(now).toISOString() }, 200);
  });
}
