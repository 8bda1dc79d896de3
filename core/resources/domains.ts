import { z } from "@hono/zod-openapi";
import { iso } from "../messages/serialize";
import { ON_TIMEOUT } from "../policy/rcpt-hook-config";
import { rcptHookJson } from "../policy/rcpt-hook-settings";
import { type Domain, verificationRecord } from "../tenancy/domains";

/** A domain as the API and the CLI show it: its schema (for /openapi.json) beside its serializer. */

export const DomainSchema = z
  .object({
    id: z.string().openapi({ example: "dom_01JZ0000000000000000000000" }),
    name: z.string().openapi({ example: "acme.test", description: "Lower case; IDNs as punycode" }),
    created_at: z.string(),
    verified: z.boolean().openapi({
      description: "Ownership proven (DNS TXT record, or an operator); mail for a pending domain is refused",
    }),
    verified_at: z.string().nullable(),
    verification: z
      .object({
        type: z.literal("TXT"),
        name: z.string().openapi({ example: "_omnimail.acme.test" }),
        value: z.string().openapi({ example: "omnimail-verification=9fK2…" }),
      })
      .openapi({
        description:
          "The DNS record that proves ownership: publish it, then POST /v1/domains/{id}/verify. Shown while pending; null once verified.",
      })
      .nullable(),
    rcpt_hook: z
      .object({
        url: z.string(),
        timeout_ms: z.number().int(),
        on_timeout: z.enum(ON_TIMEOUT),
        cache_seconds: z.number().int(),
      })
      .nullable()
      .openapi({
        description:
          "Your application's say at RCPT TO (PATCH /v1/domains/{id}): asked for each recipient no rule decided",
      }),
    rcpt_hook_secret: z.string().optional().openapi({
      description:
        "The hook's Standard Webhooks signing secret: in the answer that first set a hook, and never again",
    }),
  })
  .openapi("Domain");

export type DomainJson = z.infer<typeof DomainSchema>;

export function toDomainJson(domain: Domain): DomainJson {
  return {
    id: domain.id,
    name: domain.name,
    created_at: iso(domain.createdAt) ?? "",
    verified: domain.verifiedAt !== null,
    verified_at: iso(domain.verifiedAt),
    verification: domain.verifiedAt === null ? verificationRecord(domain) : null,
    rcpt_hook: rcptHookJson(domain.rcptHook),
  };
}
