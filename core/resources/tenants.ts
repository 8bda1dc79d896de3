import { z } from "@hono/zod-openapi";
import { iso } from "../messages/serialize";
import type { CreatedApiKey } from "../tenancy/api-keys";
import type { Tenant } from "../tenancy/tenants";

/** A tenant as the admin API and the CLI show it: its schemas beside its serializers. */

/** A tenant in a list (the CLI's `tenants list`; no route lists tenants, so it has no /openapi.json name). */
export const TenantSchema = z.object({
  id: z.string().openapi({ example: "tnt_01JZ0000000000000000000000" }),
  name: z.string(),
  created_at: z.string(),
});

export const CreatedTenantSchema = z
  .object({
    id: z.string().openapi({ example: "tnt_01JZ0000000000000000000000" }),
    name: z.string(),
    api_key: z.string().openapi({ description: "The tenant's first API key. Shown once." }),
    created_at: z.string(),
  })
  .openapi("CreatedTenant");

export type TenantJson = z.infer<typeof TenantSchema>;
export type CreatedTenantJson = z.infer<typeof CreatedTenantSchema>;

export function toTenantJson(tenant: Tenant): TenantJson {
  return { id: tenant.id, name: tenant.name, created_at: iso(tenant.createdAt) ?? "" };
}

/** A new tenant with its first API key, in full: the one answer that ever carries it. */
export function toCreatedTenantJson(tenant: Tenant, apiKey: CreatedApiKey): CreatedTenantJson {
  return { id: tenant.id, name: tenant.name, api_key: apiKey.key, created_at: iso(tenant.createdAt) ?? "" };
}
