import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { createRateLimiter } from "../../core/rate-limit";
import { listOf } from "../../core/resources/lists";
import {
  DeliveryIdSchema,
  DeliverySchema,
  QueuedDeliverySchema,
  toDeliveryJson,
  toWebhookJson,
  WebhookSchema,
} from "../../core/resources/webhooks";
import {
  createEndpoint,
  deleteEndpoint,
  EVENT_TYPES,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  MAX_ROTATION_GRACE_SECONDS,
  queueTestEvent,
  ROTATION_GRACE_SECONDS,
  retryDelivery,
  rotateEndpointSecret,
  updateEndpoint,
} from "../../core/webhooks/endpoints";
import { recoverEndpoint } from "../../core/webhooks/recover";
import type { AppDeps, AppEnv } from "../context";
import { decodeCursor, pageOf } from "../pagination";
import { problems } from "../problem";
import { bodyProblemResponses, idParam, looksLike, PaginationQuery, problemResponses } from "../schemas";
import { registerWebhookEvents } from "./webhook-events";

const EventsField = z
  .array(z.enum(EVENT_TYPES))
  .min(1)
  .max(EVENT_TYPES.length)
  .openapi({ description: 'Event types to receive; default ["message.received"]' });

const CreateBody = z
  .object({
    url: z.string().max(2048).openapi({ example: "https://example.com/hooks/omnimail" }),
    events: EventsField.optional(),
    mailbox_id: z.string().nullable().optional().openapi({ description: "Only this mailbox's messages" }),
  })
  .strict()
  .openapi("CreateWebhook");

const UpdateBody = z
  .object({
    url: z.string().max(2048).optional(),
    events: EventsField.optional(),
    mailbox_id: z.string().nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .openapi("UpdateWebhook");

const RecoverBody = z
  .object({
    since: z.string().openapi({
      description:
        "ISO 8601: recover the events committed at or after this time (within the event log's retention)",
      example: "2026-03-02T08:00:00Z",
    }),
  })
  .strict()
  .openapi("RecoverWebhook");

const RecoveredSchema = z
  .object({
    endpoint_id: z.string(),
    since: z.string(),
    queued: z.number().int().openapi({ description: "Deliveries queued now (0: it had them all)" }),
  })
  .openapi("RecoveredWebhook");

const RotateBody = z
  .object({
    grace_period_seconds: z.number().int().min(0).max(MAX_ROTATION_GRACE_SECONDS).optional().openapi({
      default: ROTATION_GRACE_SECONDS,
      example: ROTATION_GRACE_SECONDS,
      description:
        "How long the replaced secret keeps signing beside the new one (default 24 h, at most 7 days); `0` switches at once",
    }),
  })
  .strict()
  .openapi("RotateWebhookSecret");

/** The body of `PATCH /v1/webhooks/{id}` (the inbox's client sends it; it imports this type only). */
export type UpdateWebhookBody = z.input<typeof UpdateBody>;

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const idParams = z.object({ id: idParam("webhook") });
const deliveryParams = z.object({ id: idParam("webhook"), delivery_id: idParam("delivery", "delivery_id") });
const bodyOf = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});
const tags = ["Webhooks"];

const routes = {
  create: createRoute({
    method: "post",
    path: "/v1/webhooks",
    tags,
    summary: "Create a webhook endpoint (the response carries its signing secret)",
    request: bodyOf(CreateBody),
    responses: { 201: json(WebhookSchema, "Created"), ...problemResponses },
  }),
  list: createRoute({
    method: "get",
    path: "/v1/webhooks",
    tags,
    summary: "List webhook endpoints",
    request: { query: PaginationQuery },
    responses: {
      200: json(listOf(WebhookSchema, "WebhookList"), "A page of endpoints"),
      ...problemResponses,
    },
  }),
  get: createRoute({
    method: "get",
    path: "/v1/webhooks/{id}",
    tags,
    summary: "Get a webhook endpoint",
    request: { params: idParams },
    responses: { 200: json(WebhookSchema, "The endpoint"), ...problemResponses },
  }),
  update: createRoute({
    method: "patch",
    path: "/v1/webhooks/{id}",
    tags,
    summary: "Change url, events, mailbox filter or enabled (re-enabling clears disabled_reason)",
    request: { params: idParams, ...bodyOf(UpdateBody) },
    responses: { 200: json(WebhookSchema, "The endpoint"), ...problemResponses },
  }),
  remove: createRoute({
    method: "delete",
    path: "/v1/webhooks/{id}",
    tags,
    summary: "Delete an endpoint with its queued deliveries and log",
    request: { params: idParams },
    responses: { 204: { description: "Deleted" }, ...problemResponses },
  }),
  rotate: createRoute({
    method: "post",
    path: "/v1/webhooks/{id}/rotate-secret",
    tags,
    summary: "Replace the signing secret (the response carries the new one)",
    description: [
      "For `grace_period_seconds` (default 86400, 24 h) every delivery is signed with both the new and the",
      "replaced secret: `webhook-signature: v1,<new> v1,<old>`, which Standard Webhooks libraries accept when",
      "either matches, so deliveries already queued or in flight verify at a receiver that has not deployed",
      "the new secret yet. `0` drops the old secret at once. The body is optional.",
    ].join(" "),
    request: {
      params: idParams,
      body: { content: { "application/json": { schema: RotateBody } }, required: false },
    },
    responses: {
      200: json(WebhookSchema, "The endpoint with its new secret"),
      ...problemResponses,
      ...bodyProblemResponses,
    },
  }),
  test: createRoute({
    method: "post",
    path: "/v1/webhooks/{id}/test",
    tags,
    summary: "Send a webhook.test event to this endpoint",
    request: { params: idParams },
    responses: {
      202: json(QueuedDeliverySchema, "Queued"),
      ...problemResponses,
    },
  }),
  deliveries: createRoute({
    method: "get",
    path: "/v1/webhooks/{id}/deliveries",
    tags,
    summary: "The delivery log: each event with its status and every attempt",
    request: { params: idParams, query: PaginationQuery },
    responses: {
      200: json(listOf(DeliverySchema, "WebhookDeliveryList"), "A page of deliveries"),
      ...problemResponses,
    },
  }),
  recover: createRoute({
    method: "post",
    path: "/v1/webhooks/{id}/recover",
    tags,
    summary: "Send the endpoint every event since a time that it did not receive",
    description: [
      "Queues, once each, every event since `since` that matches the endpoint (its types and mailbox filter) and that",
      "it did not receive: events committed while it was disabled (after a 410, or by hand) and deliveries that ran",
      "out of retries. Each keeps the webhook-id it would have had, so receivers deduplicate as usual. Deliveries go",
      "out while the endpoint is enabled: re-enable it (PATCH enabled: true) before or after.",
    ].join(" "),
    request: { params: idParams, ...bodyOf(RecoverBody) },
    responses: { 202: json(RecoveredSchema, "Queued"), ...problemResponses, ...bodyProblemResponses },
  }),
  retry: createRoute({
    method: "post",
    path: "/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
    tags,
    summary: "Replay a delivery now (also a dead one)",
    request: { params: deliveryParams },
    responses: { 202: json(DeliveryIdSchema, "Queued"), ...problemResponses },
  }),
};

export function registerWebhookRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  registerWebhookEvents(app);
  const guard = deps.webhooks?.guard ?? { allowPrivate: false };
  const nudge = () => deps.webhooks?.nudge?.();
  const testEvents = deps.testEventsPerMinute
    ? createRateLimiter({ perMinute: deps.testEventsPerMinute })
    : null;
  const db = () => deps.store.db;
  const requireId = (id: string) => {
    if (!looksLike("webhook", id)) throw problems.notFound(`no webhook ${id}`);
    return id;
  };

  app.openapi(routes.create, async (c) => {
    const body = c.req.valid("json");
    const endpoint = await createEndpoint(
      deps.store,
      c.get("tenantId"),
      { url: body.url, events: body.events, mailboxId: body.mailbox_id },
      guard,
    );
    return c.json(toWebhookJson(endpoint, true), 201);
  });

  app.openapi(routes.list, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const before = decodeCursor(cursor, (id) => looksLike("webhook", id));
    const rows = await listEndpoints(db(), c.get("tenantId"), { limit: limit + 1, before });
    return c.json(
      pageOf(rows, limit, (row) => toWebhookJson(row)),
      200,
    );
  });

  app.openapi(routes.get, async (c) => {
    const id = requireId(c.req.valid("param").id);
    return c.json(toWebhookJson(await getEndpoint(db(), c.get("tenantId"), id)), 200);
  });

  app.openapi(routes.update, async (c) => {
    const id = requireId(c.req.valid("param").id);
    const body = c.req.valid("json");
    const endpoint = await updateEndpoint(
      deps.store,
      c.get("tenantId"),
      id,
      { url: body.url, events: body.events, mailboxId: body.mailbox_id, enabled: body.enabled },
      guard,
    );
    if (body.enabled) nudge();
    if (body.enabled === false) deps.messageEvents?.publishEvents([c.get("tenantId")]);
    return c.json(toWebhookJson(endpoint), 200);
  });

  app.openapi(routes.remove, async (c) => {
    await deleteEndpoint(deps.store, c.get("tenantId"), requireId(c.req.valid("param").id));
    return c.body(null, 204);
  });

  app.openapi(routes.rotate, async (c) => {
    const id = requireId(c.req.valid("param").id);
    const body = c.req.valid("json");
    const endpoint = await rotateEndpointSecret(deps.store, c.get("tenantId"), id, {
      gracePeriodSeconds: body.grace_period_seconds,
    });
    return c.json(toWebhookJson(endpoint, true), 200);
  });

  app.openapi(routes.test, async (c) => {
    const id = requireId(c.req.valid("param").id);
    const tenantId = c.get("tenantId");
    // Checked first, spent only once the event is queued: another tenant's id stays a 404.
    const bucket = `${tenantId}:${id}`;
    const decision = testEvents?.peek(bucket);
    if (decision && !decision.allowed)
      throw problems.rateLimited(
        decision.retryAfterSeconds,
        {},
        `this endpoint has had its ${decision.limit} test events this minute (OMNIMAIL_TEST_EVENTS_PER_MINUTE); retry in ${decision.retryAfterSeconds} s`,
      );
    const deliveryId = await queueTestEvent(deps.store, tenantId, id);
    testEvents?.take(bucket);
    nudge();
    return c.json({ delivery_id: deliveryId }, 202);
  });

  app.openapi(routes.deliveries, async (c) => {
    const id = requireId(c.req.valid("param").id);
    const { limit, cursor } = c.req.valid("query");
    const before = decodeCursor(cursor, (value) => looksLike("delivery", value));
    const rows = await listDeliveries(db(), c.get("tenantId"), id, { limit: limit + 1, before });
    return c.json(pageOf(rows, limit, toDeliveryJson), 200);
  });

  app.openapi(routes.recover, async (c) => {
    const id = requireId(c.req.valid("param").id);
    const { since, queued } = await recoverEndpoint(deps.store, c.get("tenantId"), id, {
      since: c.req.valid("json").since,
      retentionDays: deps.eventRetentionDays ?? 7,
    });
    if (queued > 0) nudge();
    return c.json({ endpoint_id: id, since: new Date(since).toISOString(), queued }, 202);
  });

  app.openapi(routes.retry, async (c) => {
    const { id, delivery_id: deliveryId } = c.req.valid("param");
    requireId(id);
    if (!looksLike("delivery", deliveryId)) throw problems.notFound(`no delivery ${deliveryId}`);
    await retryDelivery(deps.store, c.get("tenantId"), id, deliveryId);
    nudge();
    return c.json({ delivery_id: deliveryId }, 202);
  });
}
