import { z } from "@hono/zod-openapi";
import { iso } from "../messages/serialize";
import type { Domain } from "../tenancy/domains";

/** A domain as the API and the CLI show it: its schema (for /openapi.json) beside its serializer. */

export const DomainSchema = z
  .object({
    id: z.string().openapi({ example: "dom_01JZ0000000000000000000000" }),
    name: z.string().openapi({ example: "acme.test", description: "Lower case; IDNs as punycode" }),
    created_at: z.string(),
  })
  .openapi("Domain");

export type DomainJson = z.infer<typeof DomainSchema>;

export function toDomainJson(domain: Domain): DomainJson {
  return { id: domain.id, name: domain.name, created_at: iso(domain.createdAt) ?? "" };
}
