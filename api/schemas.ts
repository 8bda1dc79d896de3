import { z } from "@hono/zod-openapi";
import { ID_PREFIXES, type IdKind, isId } from "../core/ids";

/** Shared request and response schemas: they validate requests and generate /openapi.json. */

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "urn:omnimail:problem:not-found" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ location: z.string(), message: z.string() })).optional(),
    request_id: z.string().optional(),
  })
  .openapi("Problem");

const problem = (description: string) =>
  ({ description, content: { "application/problem+json": { schema: ProblemSchema } } }) as const;

/** What every /v1 route can answer besides its success. */
export const problemResponses = {
  400: problem("Invalid request: `errors[].location` names each field at fault"),
  401: problem("Missing, malformed, unknown or revoked API key"),
  404: problem("Not found (or another tenant's: the answer is the same)"),
  429: problem("This API key's rate limit is used up; see Retry-After and RateLimit-* headers"),
} as const;

/** Added for routes that take a JSON body. */
export const bodyProblemResponses = {
  413: problem("The body is over 1 MiB"),
  415: problem("The body is not application/json"),
  422: problem("Well-formed, but breaks a rule (e.g. a domain that is not the tenant's)"),
} as const;

export const conflictResponse = { 409: problem("Conflicts with existing state; `detail` says how") } as const;

/** A JSON request body: required, so a missing or non-JSON body is refused, never read as `{}`. */
export function jsonBody<T extends z.ZodType>(schema: T, description: string) {
  return { required: true, description, content: { "application/json": { schema } } } as const;
}

export function idParam(kind: IdKind, name = "id") {
  return z
    .string()
    .openapi({ param: { name, in: "path" }, example: `${ID_PREFIXES[kind]}_01JZ0000000000000000000000` });
}

/** True for a well-formed id of that kind; malformed ids answer 404 like unknown ones. */
export const looksLike = (kind: IdKind, value: string) => isId(kind, value);

export const PaginationQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(50)
    .openapi({ param: { name: "limit", in: "query" }, example: 50 }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "next_cursor of the previous page" }),
});

const AddressSchema = z.object({ address: z.string(), name: z.string() }).openapi("Address");

export const MailboxSchema = z
  .object({
    id: z.string(),
    address: z.string().openapi({ example: "*@acme.test" }),
    domain_id: z.string(),
    created_at: z.string(),
    message_count: z.number().int(),
    unread_count: z.number().int(),
  })
  .openapi("Mailbox");

export const MessageSummarySchema = z
  .object({
    id: z.string(),
    mailbox_id: z.string(),
    received_at: z.string().nullable(),
    from: AddressSchema.nullable(),
    to: z.array(AddressSchema),
    cc: z.array(AddressSchema),
    subject: z.string().nullable(),
    date: z.string().nullable(),
    message_id: z.string().nullable(),
    preview: z.string().nullable(),
    size: z.number().int(),
    seen: z.boolean(),
    attachment_count: z.number().int(),
    parse_error: z.string().nullable(),
    url: z.string(),
  })
  .openapi("MessageSummary");

export const AttachmentSchema = z
  .object({
    id: z.string(),
    filename: z.string().nullable(),
    content_type: z.string(),
    disposition: z.string().nullable(),
    content_id: z.string().nullable(),
    size: z.number().int(),
    sha256: z.string(),
    url: z.string(),
  })
  .openapi("Attachment");

const Verdict = z.string().openapi({
  example: "pass",
  description: "pass, fail, softfail, neutral, none, temperror, permerror, policy",
});

export const AuthResultsSchema = z
  .object({
    spf: z.object({ result: Verdict, domain: z.string().nullable() }),
    dkim: z.array(
      z.object({
        result: Verdict,
        domain: z.string().nullable(),
        selector: z.string().nullable(),
        aligned: z.boolean(),
      }),
    ),
    dmarc: z.object({ result: Verdict, domain: z.string().nullable(), policy: z.string().nullable() }),
    arc: z.object({ result: Verdict }),
    header: z
      .string()
      .openapi({ description: "The Authentication-Results header text, as a receiving MTA would add it" }),
  })
  .openapi("SenderAuthentication", {
    description: "SPF, DKIM, DMARC and ARC results (null when not checked)",
  });

export const MessageSchema = z
  .object({
    id: z.string(),
    mailbox_id: z.string(),
    received_at: z.string().nullable(),
    envelope: z.object({
      mail_from: z.string(),
      rcpt_to: z.array(z.string()),
      remote_ip: z.string().nullable(),
      helo: z.string().nullable(),
      tls: z.object({ protocol: z.string().nullable(), cipher: z.string().nullable() }).nullable(),
    }),
    from: AddressSchema.nullable(),
    to: z.array(AddressSchema),
    cc: z.array(AddressSchema),
    reply_to: z.array(AddressSchema),
    subject: z.string().nullable(),
    date: z.string().nullable(),
    message_id: z.string().nullable(),
    in_reply_to: z.string().nullable(),
    references: z.array(z.string()),
    headers: z.array(z.object({ name: z.string(), value: z.string() })),
    text: z.string().nullable(),
    html: z.string().nullable(),
    attachments: z.array(AttachmentSchema),
    size: z.number().int(),
    seen: z.boolean(),
    parse_error: z.string().nullable(),
    auth: AuthResultsSchema.nullable(),
    raw_url: z.string(),
  })
  .openapi("Message");

export const DomainSchema = z
  .object({
    id: z.string().openapi({ example: "dom_01JZ0000000000000000000000" }),
    name: z.string().openapi({ example: "acme.test", description: "Lower case; IDNs as punycode" }),
    created_at: z.string(),
  })
  .openapi("Domain");

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

export function listOf<T extends z.ZodType>(item: T, name: string) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() }).openapi(name);
}
