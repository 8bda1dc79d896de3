import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { deleteMessage } from "../../../core/messages/delete";
import { getMessage } from "../../../core/messages/read";
import { markMessageSeen } from "../../../core/messages/update";
import { releaseMessage } from "../../../core/policy/quarantine";
import { MessageSchema, toMessageJson } from "../../../core/resources/messages";
import type { AppDeps, AppEnv } from "../../context";
import { problems } from "../../problem";
import { bodyProblemResponses, idParam, jsonBody, looksLike, problemResponses } from "../../schemas";

const UpdateMessageBody = z
  .strictObject({
    seen: z.boolean().openapi({ description: "Read (true) or unread (false)", example: true }),
  })
  .openapi("UpdateMessage");

const patchRoute = createRoute({
  method: "patch",
  path: "/v1/messages/{id}",
  tags: ["Messages"],
  summary: "Mark a message read or unread",
  request: {
    params: z.object({ id: idParam("message") }),
    body: jsonBody(UpdateMessageBody, "The new state"),
  },
  responses: {
    200: { description: "The updated message", content: { "application/json": { schema: MessageSchema } } },
    ...problemResponses,
    ...bodyProblemResponses,
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/messages/{id}",
  tags: ["Messages"],
  summary: "Delete a message with its raw bytes, attachments and search entry",
  request: { params: z.object({ id: idParam("message") }) },
  responses: { 204: { description: "Deleted" }, ...problemResponses },
});

const releaseRoute = createRoute({
  method: "post",
  path: "/v1/messages/{id}/release",
  tags: ["Messages"],
  summary: "Release a quarantined message: it is listed and announced (message.received) from now on",
  request: { params: z.object({ id: idParam("message") }) },
  responses: {
    200: { description: "The released message", content: { "application/json": { schema: MessageSchema } } },
    409: {
      description: "The message is not quarantined",
      content: { "application/problem+json": { schema: z.object({}).passthrough() } },
    },
    ...problemResponses,
  },
});

export function registerMessageUpdateRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const links = { publicUrl: deps.publicUrl };

  app.openapi(patchRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { seen } = c.req.valid("json");
    if (!looksLike("message", id)) throw problems.notFound(`no message ${id}`);
    const tenantId = c.get("tenantId");
    await markMessageSeen(deps.store, tenantId, id, seen);
    deps.messageEvents?.publishEvents([tenantId]);
    return c.json(toMessageJson(await getMessage(deps.store.db, tenantId, id), links), 200);
  });

  app.openapi(releaseRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("message", id)) throw problems.notFound(`no message ${id}`);
    const tenantId = c.get("tenantId");
    await releaseMessage(deps.store, tenantId, id, links);
    deps.messageEvents?.publishEvents([tenantId]);
    deps.webhooks?.nudge?.();
    return c.json(toMessageJson(await getMessage(deps.store.db, tenantId, id), links), 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("message", id)) throw problems.notFound(`no message ${id}`);
    await deleteMessage(deps.store, c.get("tenantId"), id);
    deps.messageEvents?.publishEvents([c.get("tenantId")]);
    // Its usage went down: a tenant at its quota may receive again at once.
    deps.onPolicyChanged?.(c.get("tenantId"));
    return c.body(null, 204);
  });
}
