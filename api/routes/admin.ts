import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { setLimits, toUsageJson } from "../../core/policy/quota";
import { DomainSchema, toDomainJson } from "../../core/resources/domains";
import { CreatedTenantSchema, toCreatedTenantJson } from "../../core/resources/tenants";
import { markDomainVerified } from "../../core/tenancy/domains";
import { createTenant } from "../../core/tenancy/tenants";
import type { AppDeps, AppEnv } from "../context";
import { bodyProblemResponses, idParam, jsonBody, ProblemSchema } from "../schemas";
import { UsageSchema } from "./usage";

const CreateTenantBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).openapi({ example: "Acme Inc." }),
  })
  .openapi("CreateTenant");

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

const createTenantRoute = createRoute({
  method: "post",
  path: "/admin/tenants",
  tags: ["Admin"],
  summary: "Create a tenant and its first API key (operators only)",
  description:
    "Takes `Authorization: Bearer <OMNIMAIL_ADMIN_TOKEN>`. When the server has no admin token configured, every /admin route answers 404.",
  security: [{ adminToken: [] }],
  request: { body: jsonBody(CreateTenantBody, "The tenant's name") },
  responses: {
    201: {
      description: "The tenant, with its API key shown once",
      content: { "application/json": { schema: CreatedTenantSchema } },
    },
    400: problem("Invalid request"),
    401: problem("Missing or wrong admin token"),
    404: problem("Admin routes are off: OMNIMAIL_ADMIN_TOKEN is not set"),
    429: problem(
      "This address has failed authentication too often (OMNIMAIL_AUTH_FAILURES_PER_MINUTE); see Retry-After",
    ),
    ...bodyProblemResponses,
  },
});

const verifyDomainRoute = createRoute({
  method: "post",
  path: "/admin/domains/{id}/verify",
  tags: ["Admin"],
  summary: "Mark a domain verified without DNS (operators only)",
  description:
    "For development, and for operators who verify ownership by other means. Takes the admin token; any tenant's domain.",
  security: [{ adminToken: [] }],
  request: { params: z.object({ id: idParam("domain") }) },
  responses: {
    200: { description: "The domain, verified", content: { "application/json": { schema: DomainSchema } } },
    401: problem("Missing or wrong admin token"),
    404: problem("No such domain, or admin routes are off (OMNIMAIL_ADMIN_TOKEN is not set)"),
    429: problem(
      "This address has failed authentication too often (OMNIMAIL_AUTH_FAILURES_PER_MINUTE); see Retry-After",
    ),
  },
});

const LimitsBody = z
  .strictObject({
    limits: z.strictObject({
      max_messages: z.number().int().min(0).nullable().optional().openapi({ example: 100_000 }),
      max_bytes: z.number().int().min(0).nullable().optional().openapi({ example: 10_737_418_240 }),
    }),
  })
  .openapi("UpdateTenant");

const updateTenantRoute = createRoute({
  method: "patch",
  path: "/admin/tenants/{id}",
  tags: ["Admin"],
  summary: "Set a tenant's limits (operators only)",
  description:
    "At either limit, RCPT TO for the tenant's mailboxes is 452 4.2.2 (mailbox full: senders retry) while other tenants receive; it takes effect within 5 s. A field left out keeps its value; null removes it.",
  security: [{ adminToken: [] }],
  request: {
    params: z.object({ id: idParam("tenant") }),
    body: jsonBody(LimitsBody, "The limits"),
  },
  responses: {
    200: {
      description: "The tenant's usage and limits",
      content: { "application/json": { schema: UsageSchema } },
    },
    400: problem("Invalid request"),
    401: problem("Missing or wrong admin token"),
    404: problem("No such tenant, or admin routes are off (OMNIMAIL_ADMIN_TOKEN is not set)"),
    ...bodyProblemResponses,
  },
});

export function registerAdminRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(verifyDomainRoute, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(toDomainJson(await markDomainVerified(deps.store, id)), 200);
  });

  app.openapi(updateTenantRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { limits } = c.req.valid("json");
    const usage = await setLimits(deps.store, id, {
      maxMessages: limits.max_messages,
      maxBytes: limits.max_bytes,
    });
    deps.onPolicyChanged?.(id);
    return c.json(toUsageJson(usage), 200);
  });

  app.openapi(createTenantRoute, async (c) => {
    const { name } = c.req.valid("json");
    const { tenant, apiKey } = await createTenant(deps.store, { name });
    return c.json(toCreatedTenantJson(tenant, apiKey), 201);
  });
}
