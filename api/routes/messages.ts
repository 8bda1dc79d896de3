import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { getAttachment, getMessage, getRawMessage, listMessages } from "../../core/messages/read";
import { toMessageJson, toMessageSummaryJson } from "../../core/messages/serialize";
import type { AppDeps, AppEnv } from "../context";
import { decodeCursor, pageOf } from "../pagination";
import { problems } from "../problem";
import {
  idParam,
  listOf,
  looksLike,
  MessageSchema,
  MessageSummarySchema,
  PaginationQuery,
  problemResponses,
} from "../schemas";

const timeParam = (name: string, description: string) =>
  z
    .string()
    .optional()
    .openapi({ param: { name, in: "query" }, description, example: "2026-11-25T00:00:00Z" });

const MessageFilterQuery = PaginationQuery.extend({
  q: z
    .string()
    .max(500)
    .optional()
    .openapi({
      param: { name: "q", in: "query" },
      description: "Full-text search over subject, from, to and body",
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

function parseTime(value: string | undefined, location: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw problems.invalid(`${location} is not a date`, [
      { location, message: "must be an ISO 8601 date-time" },
    ]);
  }
  return ms;
}

const listRoute = createRoute({
  method: "get",
  path: "/v1/mailboxes/{id}/messages",
  tags: ["Messages"],
  summary: "List a mailbox's messages, newest first",
  request: { params: z.object({ id: idParam("mailbox") }), query: MessageFilterQuery },
  responses: {
    200: {
      description: "A page of message summaries",
      content: { "application/json": { schema: listOf(MessageSummarySchema, "MessageSummaryList") } },
    },
    ...problemResponses,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/messages/{id}",
  tags: ["Messages"],
  summary: "Get a parsed message",
  request: { params: z.object({ id: idParam("message") }) },
  responses: {
    200: { description: "The message", content: { "application/json": { schema: MessageSchema } } },
    ...problemResponses,
  },
});

const rawRoute = createRoute({
  method: "get",
  path: "/v1/messages/{id}/raw",
  tags: ["Messages"],
  summary: "The stored bytes (with our Received: header first)",
  request: { params: z.object({ id: idParam("message") }) },
  responses: {
    200: {
      description: "RFC 5322 message",
      content: { "message/rfc822": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...problemResponses,
  },
});

const attachmentRoute = createRoute({
  method: "get",
  path: "/v1/messages/{id}/attachments/{attachment_id}",
  tags: ["Messages"],
  summary: "Download an attachment",
  request: {
    params: z.object({ id: idParam("message"), attachment_id: idParam("attachment", "attachment_id") }),
  },
  responses: {
    200: {
      description: "The attachment bytes",
      content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...problemResponses,
  },
});

/** Attachment names go into a header: RFC 6266 with an ASCII fallback and a UTF-8 filename*. */
function contentDisposition(filename: string | null): string {
  const name = (filename ?? "attachment").replace(/[\r\n"\\]/g, "_");
  const ascii = name.replace(/[^\x20-\x7e]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Untrusted bytes: never sniffed, never rendered in our origin with script. */
const UNTRUSTED_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "sandbox; default-src 'none'",
  "Cache-Control": "private, no-store",
};

export function registerMessageRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const links = { publicUrl: deps.publicUrl };

  app.openapi(listRoute, async (c) => {
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    if (!looksLike("mailbox", id)) throw problems.notFound(`no mailbox ${id}`);
    const before = decodeCursor(query.cursor, (value) => looksLike("message", value));
    const rows = await listMessages(
      deps.database.db,
      c.get("tenantId"),
      id,
      { limit: query.limit + 1, before },
      {
        q: query.q,
        from: query.from,
        to: query.to,
        subject: query.subject,
        since: parseTime(query.since, "query.since"),
        until: parseTime(query.until, "query.until"),
        unread: query.unread === "true" || query.unread === "1",
      },
    );
    return c.json(
      pageOf(rows, query.limit, (row) => toMessageSummaryJson(row, links)),
      200,
    );
  });

  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("message", id)) throw problems.notFound(`no message ${id}`);
    return c.json(toMessageJson(await getMessage(deps.database.db, c.get("tenantId"), id), links), 200);
  });

  app.openapi(rawRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("message", id)) throw problems.notFound(`no message ${id}`);
    const raw = await getRawMessage(deps.database.db, c.get("tenantId"), id);
    return c.body(raw as Uint8Array<ArrayBuffer>, 200, {
      ...UNTRUSTED_HEADERS,
      "Content-Type": "message/rfc822",
      "Content-Disposition": `inline; filename="${id}.eml"`,
    });
  });

  app.openapi(attachmentRoute, async (c) => {
    const { id, attachment_id: attachmentId } = c.req.valid("param");
    if (!looksLike("message", id) || !looksLike("attachment", attachmentId)) {
      throw problems.notFound(`no attachment ${attachmentId} on message ${id}`);
    }
    const attachment = await getAttachment(deps.database.db, c.get("tenantId"), id, attachmentId);
    return c.body(attachment.content as Uint8Array<ArrayBuffer>, 200, {
      ...UNTRUSTED_HEADERS,
      "Content-Type": attachment.contentType || "application/octet-stream",
      "Content-Disposition": contentDisposition(attachment.filename),
      Digest: `sha-256=${attachment.sha256}`,
    });
  });
}
