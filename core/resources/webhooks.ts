import { z } from "@hono/zod-openapi";
import { formatEventId } from "../events/log";
import { iso } from "../messages/serialize";
import { type Attempt, type Delivery, type Endpoint, parseEventTypes } from "../webhooks/endpoints";

/**
 * Webhook endpoints, their deliveries and each delivery's attempts, as the API,
 * the CLI and the inbox show them: the schemas (for /openapi.json) beside their serializers.
 */

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    mailbox_id: z.string().nullable(),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    secret: z
      .string()
      .optional()
      .openapi({ description: "whsec_…; only in the responses of create and rotate" }),
    previous_secret_expires_at: z.string().nullable().openapi({
      description:
        "After a rotation: until when the replaced secret still signs beside the new one (a second `v1,` in `webhook-signature`); null when only the current secret signs",
    }),
  })
  .openapi("Webhook");

export const AttemptSchema = z
  .object({
    attempt: z.number().int(),
    status: z.number().int().nullable(),
    error: z.string().nullable(),
    response_ms: z.number().int(),
    response_body: z.string().nullable(),
    signatures: z.array(z.string()).openapi({
      description:
        "The `webhook-signature` values sent, one per secret: the endpoint's secret at the time, then, during a rotation's grace period, the replaced one's",
      example: ["v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="],
    }),
    created_at: z.string(),
  })
  .openapi("WebhookAttempt");

export const DeliverySchema = z
  .object({
    id: z.string().openapi({ description: "Also the webhook-id header: the receiver's idempotency key" }),
    event_type: z.string(),
    event_id: z
      .string()
      .nullable()
      .openapi({ description: "The event it carries (GET /v1/events); null for webhook.test" }),
    message_id: z.string().nullable(),
    status: z.enum(["pending", "delivering", "delivered", "failed", "dead"]),
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    last_response_ms: z.number().int().nullable(),
    last_response_body: z.string().nullable(),
    created_at: z.string(),
    delivered_at: z.string().nullable(),
    attempt_log: z.array(AttemptSchema),
  })
  .openapi("WebhookDelivery");

/** The answer to queueing a delivery (a test event, a replay). */
export const DeliveryIdSchema = z.object({ delivery_id: z.string() });
export const QueuedDeliverySchema = DeliveryIdSchema.openapi("QueuedDelivery");

export type WebhookJson = z.infer<typeof WebhookSchema>;
export type AttemptJson = z.infer<typeof AttemptSchema>;
export type DeliveryJson = z.infer<typeof DeliverySchema>;
export type DeliveryIdJson = z.infer<typeof DeliveryIdSchema>;

/** `withSecret` only in the answers to create and rotate. */
export function toWebhookJson(endpoint: Endpoint, withSecret = false, now = Date.now()): WebhookJson {
  const previousLives = endpoint.previousSecret !== null && (endpoint.previousSecretExpiresAt ?? 0) > now;
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: parseEventTypes(endpoint.eventTypes),
    mailbox_id: endpoint.mailboxId,
    enabled: endpoint.enabled,
    disabled_reason: endpoint.disabledReason,
    created_at: iso(endpoint.createdAt) ?? "",
    updated_at: iso(endpoint.updatedAt) ?? "",
    ...(withSecret ? { secret: endpoint.secret } : {}),
    previous_secret_expires_at: previousLives ? iso(endpoint.previousSecretExpiresAt) : null,
  };
}

export function toAttemptJson(attempt: Attempt): AttemptJson {
  return {
    attempt: attempt.attempt,
    status: attempt.status,
    error: attempt.error,
    response_ms: attempt.responseMs,
    response_body: attempt.responseBody,
    signatures: attempt.signature ? attempt.signature.split(" ") : [],
    created_at: iso(attempt.createdAt) ?? "",
  };
}

export function toDeliveryJson(delivery: Delivery & { attemptLog: Attempt[] }): DeliveryJson {
  const waiting = delivery.status === "pending" || delivery.status === "failed";
  return {
    id: delivery.id,
    event_type: delivery.eventType,
    event_id: delivery.eventSeq === null ? null : formatEventId(delivery.eventSeq),
    message_id: delivery.messageId,
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt_at: waiting ? iso(delivery.nextAttemptAt) : null,
    last_status: delivery.lastStatus,
    last_error: delivery.lastError,
    last_response_ms: delivery.lastResponseMs,
    last_response_body: delivery.lastResponseBody,
    created_at: iso(delivery.createdAt) ?? "",
    delivered_at: iso(delivery.deliveredAt),
    attempt_log: delivery.attemptLog.map(toAttemptJson),
  };
}
