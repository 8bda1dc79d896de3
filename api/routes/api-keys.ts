import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  ApiKeySchema,
  CreatedApiKeySchema,
  toApiKeyJson,
  toCreatedApiKeyJson,
} from "../../core/resources/api-keys";
import { listOf } from "../../core/resources/lists";
import {
  type ApiKeyAuthenticator,
  ApiKeyLimitError,
  createApiKey,
  listApiKeys,
  revokeApiKey,
} from "../../core/tenancy/api-keys";
import type { AppDeps, AppEnv } from "../context";
import { decodeCursor, pageOf } from "../pagination";
import { ApiError, problems } from "../problem";
import {
  bodyProblemResponses,
  conflictResponse,
  idParam,
  jsonBody,
  looksLike,
  PaginationQuery,
  problemResponses,
} from "../schemas";

const CreateApiKeyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).default("api key").openapi({ example: "ci" }),
  })
  .openapi("CreateApiKey");

const createKeyRoute = createRoute({
  method: "post",
  path: "/v1/api-keys",
  tags: ["API keys"],
  summary: "Create an API key for this tenant (the key is shown once)",
  description:
    "A tenant holds at most OMNIMAIL_MAX_API_KEYS_PER_TENANT active keys (50 by default); past that, 409 until one is revoked.",
  request: { body: jsonBody(CreateApiKeyBody, "A name to tell the key apart") },
  responses: {
    201: {
      description: "The key, in full, once",
      content: { "application/json": { schema: CreatedApiKeySchema } },
    },
    ...problemResponses,
    ...bodyProblemResponses,
    ...conflictResponse,
  },
});

const listKeysRoute = createRoute({
  method: "get",
  path: "/v1/api-keys",
  tags: ["API keys"],
  summary: "List this tenant's keys, newest first, revoked ones included (never the key itself)",
  request: { query: PaginationQuery },
  responses: {
    200: {
      description: "A page of keys",
      content: { "application/json": { schema: listOf(ApiKeySchema, "ApiKeyList") } },
    },
    ...problemResponses,
  },
});

const revokeKeyRoute = createRoute({
  method: "delete",
  path: "/v1/api-keys/{id}",
  tags: ["API keys"],
  summary: "Revoke a key: it answers 401 from the next request on (idempotent)",
  request: { params: z.object({ id: idParam("apiKey") }) },
  responses: { 204: { description: "Revoked" }, ...problemResponses },
});

export function registerApiKeyRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: AppDeps,
  keys: ApiKeyAuthenticator,
): void {
  app.openapi(createKeyRoute, async (c) => {
    const { name } = c.req.valid("json");
    try {
      const created = await createApiKey(deps.store, {
        tenantId: c.get("tenantId"),
        name,
        maxActive: deps.maxApiKeysPerTenant,
      });
      return c.json(toCreatedApiKeyJson(created), 201);
    } catch (error) {
      if (error instanceof ApiKeyLimitError) throw apiKeyLimitProblem(error.limit);
      throw error;
    }
  });

  app.openapi(listKeysRoute, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const before = decodeCursor(cursor, (id) => looksLike("apiKey", id));
    const rows = await listApiKeys(deps.store.db, c.get("tenantId"), { limit: limit + 1, before });
    return c.json(pageOf(rows, limit, toApiKeyJson), 200);
  });

  app.openapi(revokeKeyRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("apiKey", id)) throw problems.notFound(`no API key ${id}`);
    const revoked = await revokeApiKey(deps.store, c.get("tenantId"), id);
    keys.forget(revoked.id);
    return c.body(null, 204);
  });
}

/** 409: the tenant holds as many active keys as OMNIMAIL_MAX_API_KEYS_PER_TENANT allows. */
function apiKeyLimitProblem(limit: number): ApiError {
  return new ApiError({
    status: 409,
    slug: "api-key-limit",
    title: "Conflict",
    detail:
      `this tenant already has ${limit} active API keys, the most OMNIMAIL_MAX_API_KEYS_PER_TENANT allows; ` +
      "revoke one (DELETE /v1/api-keys/{id}) before creating another",
  });
}
