import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { getLinkKey } from "../../../core/links/link-keys";
import { signMessageLinks } from "../../../core/links/signed-links";
import { getAttachment, getMessage, getRawMessage } from "../../../core/messages/read";
import { MessageSchema, toMessageJson } from "../../../core/resources/messages";
import { serveStoredBytes } from "../../byte-ranges";
import type { AppDeps, AppEnv } from "../../context";
import { problems } from "../../problem";
import { idParam, looksLike, problemResponses, rangeNotSatisfiableResponse } from "../../schemas";
import { contentDisposition, servedContentType, UNTRUSTED_HEADERS } from "./schema";

const getRoute = createRoute({
  method: "get",
  path: "/v1/messages/{id}",
  tags: ["Messages"],
  summary: "Get a parsed message",
  request: {
    params: z.object({ id: idParam("message") }),
    query: z.object({
      signed_urls: z
        .enum(["1", "true", "0", "false"])
        .optional()
        .openapi({
          param: { name: "signed_urls", in: "query" },
          description:
            "1: `raw_url` and each attachment `url` are signed links that open without an API key until `expires_at` (OMNIMAIL_SIGNED_URL_TTL_SECONDS), to hand to a browser or another service",
        }),
    }),
  },
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
    206: {
      description: "The part of the message that `Range: bytes=…` asked for (`Content-Range` says which)",
      content: { "message/rfc822": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...problemResponses,
    ...rangeNotSatisfiableResponse,
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
    206: {
      description: "The part of the attachment that `Range: bytes=…` asked for (`Content-Range` says which)",
      content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...problemResponses,
    ...rangeNotSatisfiableResponse,
  },
});

export function registerMessageReadRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const links = { publicUrl: deps.publicUrl };

  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("message", id)) throw problems.notFound(`no message ${id}`);
    const tenantId = c.get("tenantId");
    const json = toMessageJson(await getMessage(deps.store.db, tenantId, id), links);
    const { signed_urls: signed } = c.req.valid("query");
    const linkKey = signed === "1" || signed === "true" ? await getLinkKey(deps.store.db, tenantId) : null;
    return c.json(
      linkKey ? await signMessageLinks(json, linkKey, deps.signedUrlTtlSeconds ?? 3600) : json,
      200,
    );
  });

  app.openapi(rawRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("message", id)) throw problems.notFound(`no message ${id}`);
    const raw = await getRawMessage(deps.store.db, c.get("tenantId"), id);
    // A message's raw bytes never change: its id is a strong validator for If-Range.
    return serveStoredBytes(c, raw, id, {
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
    const attachment = await getAttachment(deps.store.db, c.get("tenantId"), id, attachmentId);
    return serveStoredBytes(c, attachment.content, attachmentId, {
      ...UNTRUSTED_HEADERS,
      // The sender's type only when it is safe in a header; the message JSON keeps the original.
      "Content-Type": servedContentType(attachment.contentType),
      "Content-Disposition": contentDisposition(attachment.filename),
      Digest: `sha-256=${attachment.sha256}`,
    });
  });
}
