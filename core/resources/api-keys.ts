import { z } from "@hono/zod-openapi";
import { iso } from "../messages/serialize";
import type { ApiKeyInfo, CreatedApiKey } from "../tenancy/api-keys";

/** An API key as the API and the CLI show it: its schema (for /openapi.json) beside its serializer. */

export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: "key_01JZ0000000000000000000000" }),
    name: z.string(),
    prefix: z
      .string()
      .openapi({ example: "om_live_AbCd", description: "First characters, to tell keys apart" }),
    created_at: z.string(),
    last_used_at: z.string().nullable().openapi({ description: "Updated at most once a minute" }),
    revoked_at: z.string().nullable(),
  })
  .openapi("ApiKey");

export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: "The full key. Shown once: only its SHA-256 is stored." }),
}).openapi("CreatedApiKey");

export type ApiKeyJson = z.infer<typeof ApiKeySchema>;
export type CreatedApiKeyJson = z.infer<typeof CreatedApiKeySchema>;

export function toApiKeyJson(key: ApiKeyInfo): ApiKeyJson {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    created_at: iso(key.createdAt) ?? "",
    last_used_at: iso(key.lastUsedAt),
    revoked_at: iso(key.revokedAt),
  };
}

/** A new key, with the full key: the one answer that ever carries it. */
export function toCreatedApiKeyJson(created: CreatedApiKey): CreatedApiKeyJson {
  return { ...toApiKeyJson({ ...created, lastUsedAt: null, revokedAt: null }), key: created.key };
}
