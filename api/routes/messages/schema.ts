import { z } from "@hono/zod-openapi";
import { problems } from "../../problem";
import { PaginationQuery } from "../../schemas";

const timeParam = (name: string, description: string) =>
  z
    .string()
    .optional()
    .openapi({ param: { name, in: "query" }, description, example: "2026-11-25T00:00:00Z" });

export const MessageFilterQuery = PaginationQuery.extend({
  q: z
    .string()
    .max(500)
    .optional()
    .openapi({
      param: { name: "q", in: "query" },
      description:
        "Full-text search over subject, from, to and body: every word must match; `word*` matches a prefix; accents are ignored",
    }),
  from: z
    .string()
    .max(320)
    .optional()
    .openapi({ param: { name: "from", in: "query" }, description: "Sender contains" }),
  to: z
    .string()
    .max(320)
    .optional()
    .openapi({ param: { name: "to", in: "query" }, description: "To/Cc/envelope recipient contains" }),
  subject: z
    .string()
    .max(500)
    .optional()
    .openapi({ param: { name: "subject", in: "query" }, description: "Subject contains" }),
  since: timeParam("since", "Received at or after (ISO 8601)"),
  until: timeParam("until", "Received at or before (ISO 8601)"),
  unread: z
    .enum(["true", "false", "1", "0"])
    .optional()
    .openapi({ param: { name: "unread", in: "query" }, description: "Only unread messages" }),
});

export const MAX_WAIT_SECONDS = 60;

export const WaitQuery = z.object({
  after: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "after", in: "query" },
      description:
        "A message id: answer with the messages stored after it. Without it, with those stored after the request arrived.",
      example: "msg_01JZ0000000000000000000000",
    }),
  timeout: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .default(30)
    .openapi({
      param: { name: "timeout", in: "query" },
      description: `Seconds to wait before answering 204 (0-${MAX_WAIT_SECONDS})`,
      example: 30,
      // Stated in full: with min(0) the generator would also allow null (which coerces to 0).
      type: "integer",
      minimum: 0,
      maximum: MAX_WAIT_SECONDS,
      default: 30,
    }),
  limit: PaginationQuery.shape.limit,
});

export function parseTime(value: string | undefined, location: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw problems.invalid(`${location} is not a date`, [
      { location, message: "must be an ISO 8601 date-time" },
    ]);
  }
  return ms;
}

/** Attachment names go into a header: RFC 6266 with an ASCII fallback and a UTF-8 filename*. */
export function contentDisposition(filename: string | null): string {
  const name = (filename ?? "attachment").replace(/[\r\n"\\]/g, "_");
  const ascii = name.replace(/[^\x20-\x7e]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Untrusted bytes: never sniffed, never rendered in our origin with script. */
export const UNTRUSTED_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "sandbox; default-src 'none'",
  "Cache-Control": "private, no-store",
};
