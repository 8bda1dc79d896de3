import { z } from "@hono/zod-openapi";
import { iso } from "../messages/serialize";
import type { Delegation } from "../tenancy/delegations";

/** A delegation as the API shows it; `token` only in the answer that made it. */
export const DelegationSchema = z
  .object({
    id: z.string().openapi({ example: "dlg_01JZ0000000000000000000000" }),
    domain_id: z.string().openapi({ description: "The verified domain it is under" }),
    name: z.string().openapi({ example: "billing.globex.example" }),
    created_at: z.string(),
    used: z.boolean().openapi({ description: "A tenant has added the domain with the token" }),
    used_at: z.string().nullable(),
  })
  .openapi("Delegation");

export const NewDelegationSchema = DelegationSchema.extend({
  token: z.string().openapi({
    example: "omnimail_dlg_9fK2…",
    description:
      "Shown once: give it to the tenant that is to receive mail for `name`; it adds the domain with POST /v1/domains and this token as `delegation_token`",
  }),
}).openapi("NewDelegation");

export function toDelegationJson(delegation: Delegation): z.infer<typeof DelegationSchema> {
  return {
    id: delegation.id,
    domain_id: delegation.domainId,
    name: delegation.name,
    created_at: iso(delegation.createdAt) ?? "",
    used: delegation.usedAt !== null,
    used_at: iso(delegation.usedAt),
  };
}
