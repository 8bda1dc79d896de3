import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { mailboxes, tenants } from "./tenancy";

export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    url: text("url").notNull(),
    /** `whsec_<base64>` (Standard Webhooks). */
    secret: text("secret").notNull(),
    /**
     * The secret a rotation replaced, still signing beside `secret` until
     * `previous_secret_expires_at` (ms), so receivers can switch without failing a delivery.
     */
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: integer("previous_secret_expires_at"),
    /** JSON string[] of event types, e.g. ["message.received"]. */
    eventTypes: text("event_types").notNull(),
    mailboxId: text("mailbox_id").references(() => mailboxes.id),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    disabledReason: text("disabled_reason"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [index("webhook_endpoints_tenant_idx").on(table.tenantId)],
);

export const DELIVERY_STATUSES = ["pending", "delivering", "delivered", "failed", "dead"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The outbox. Rows are written in the same batch as the message they announce;
 * drainers claim due rows with a lease (`lease_until`, `lease_owner`).
 * `failed` means "will retry at next_attempt_at"; `dead` means out of retries.
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    messageId: text("message_id"),
    eventType: text("event_type").notNull(),
    /** The event this delivery carries (events.seq); null for `webhook.test` and rows queued before 0012. */
    eventSeq: integer("event_seq"),
    payload: text("payload").notNull(),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    leaseUntil: integer("lease_until"),
    leaseOwner: text("lease_owner"),
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    lastResponseMs: integer("last_response_ms"),
    lastResponseBody: text("last_response_body"),
    createdAt: integer("created_at").notNull(),
    deliveredAt: integer("delivered_at"),
  },
  (table) => [
    index("webhook_deliveries_due_idx").on(table.status, table.nextAttemptAt),
    index("webhook_deliveries_endpoint_idx").on(table.tenantId, table.endpointId, table.id),
    index("webhook_deliveries_event_idx").on(table.eventSeq, table.endpointId),
    // The drain's claim reads each endpoint's earliest due rows from here, so it costs the same
    // with ten rows waiting or a million (core/outbox/drain.ts).
    index("webhook_deliveries_endpoint_due_idx").on(table.endpointId, table.status, table.nextAttemptAt),
  ],
);

/** Every POST we made: one row per attempt, for the delivery log (as Svix keeps message attempts). */
export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    endpointId: text("endpoint_id").notNull(),
    attempt: integer("attempt").notNull(),
    url: text("url").notNull(),
    /** HTTP status, or null when no response came (refused, timeout, blocked). */
    status: integer("status"),
    error: text("error"),
    responseMs: integer("response_ms").notNull(),
    responseBody: text("response_body"),
    /** The `webhook-signature` header as sent: one `v1,…` per secret, space-separated (null before 0006). */
    signature: text("signature"),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [index("webhook_attempts_delivery_idx").on(table.tenantId, table.deliveryId, table.id)],
);
