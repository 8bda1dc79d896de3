import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { getUsage, toUsageJson } from "../../core/policy/quota";
import type { AppDeps, AppEnv } from "../context";
import { problemResponses } from "../schemas";

export const UsageSchema = z
  .object({
    tenant_id: z.string(),
    messages: z
      .number()
      .int()
      .openapi({ description: "Messages stored now (every copy, quarantined ones too)" }),
    bytes: z.number().int().openapi({ description: "Their size, as each copy's `size` counts it" }),
    limits: z
      .object({
        max_messages: z.number().int().nullable(),
        max_bytes: z.number().int().nullable(),
      })
      .openapi({
        description: "Set by the operator; at either, RCPT TO is 452 4.2.2 (senders retry). null: none",
      }),
  })
  .openapi("Usage");

const usageRoute = createRoute({
  method: "get",
  path: "/v1/usage",
  tags: ["Mailboxes"],
  summary: "What the tenant stores, and its limits",
  responses: {
    200: { description: "Usage and limits", content: { "application/json": { schema: UsageSchema } } },
    ...problemResponses,
  },
});

export function registerUsageRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(usageRoute, async (c) =>
    c.json(toUsageJson(await getUsage(deps.store.db, c.get("tenantId"))), 200),
  );
}
