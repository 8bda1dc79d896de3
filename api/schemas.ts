import { z } from "@hono/zod-openapi";
import { ID_PREFIXES, type IdKind, isId } from "../core/ids";

/**
 * What the routes share: request pieces (bodies, ids, pagination) and the problem+json
 * answers. Each resource's own response schema lives beside its serializer in core/resources/.
 */

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
  429: problem(
    "Too many requests: this API key's or this tenant's request budget is used up (RateLimit-* headers), " +
      "its long polls are at their cap, or this address has failed authentication too often; see Retry-After",
  ),
} as const;

/** Added for routes that take a JSON body. */
export const bodyProblemResponses = {
  413: problem("The body is over 1 MiB"),
  415: problem("The body is not application/json"),
  422: problem("Well-formed, but breaks a rule (e.g. a domain that is not the tenant's)"),
} as const;

/** Added for routes that serve stored bytes with range requests (api/byte-ranges.ts). */
export const rangeNotSatisfiableResponse = {
  416: problem(
    "The `Range` starts past the end of the bytes (`Content-Range: bytes */SIZE` says their size)",
  ),
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

/** Unicode Cc: U+0000–U+001F, U+007F–U+009F. */
const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * A text query parameter: at most `max` characters, and no control characters
 * (C0, DEL, C1). A NUL cut SQLite's search syntax short and answered 500; a
 * tab or a newline in a filter is a paste accident, not a search. Refused as
 * 400 naming the parameter (`query.q`).
 */
export function queryText(max: number) {
  return z
    .string()
    .max(max)
    .refine((value) => !CONTROL_CHARACTER.test(value), { error: "must not contain control characters" });
}

/**
 * A whole number in a query string, from `min` to `max`. Every way of missing
 * it (`ten`, `2.5`, `-5`, `101`) gets the same message, which says what is
 * accepted, instead of the validator's "expected number, received NaN".
 */
export function queryInteger(min: number, max: number, fallback: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.coerce
    .number({ error: message })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message })
    .default(fallback);
}

export const PaginationQuery = z.object({
  limit: queryInteger(1, 100, 50).openapi({ param: { name: "limit", in: "query" }, example: 50 }),
  cursor: queryText(200)
    .optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "next_cursor of the previous page" }),
});
