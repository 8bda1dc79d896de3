import { and, eq, isNull, or } from "drizzle-orm";
import type { Db } from "../../db/client";
import { webhookDeliveries, webhookEndpoints } from "../../db/schema";
import { type SqlStatement, toStatement } from "../../db/statements";
import { newId } from "../ids";
import type { Links } from "../messages/serialize";
import type { CompanionWrites } from "../messages/store";
import { buildMessageReceivedEvent, type WebhookEvent } from "./payload";

export const MESSAGE_RECEIVED = "message.received";

/**
 * The transactional outbox: for each stored copy, one `message.received`
 * delivery row per matching endpoint (the tenant's, enabled, subscribed to the
 * event, and either unfiltered or filtered to that mailbox), written in the same
 * batch as the message. Nothing is announced that was not stored, and nothing
 * stored goes unannounced.
 */
export function createOutboxWrites(db: Db, links: Links): CompanionWrites {
  return async (stored, message) => {
    const endpoints = await db
      .select({ id: webhookEndpoints.id, eventTypes: webhookEndpoints.eventTypes })
      .from(webhookEndpoints)
      .where(
        and(
          eq(webhookEndpoints.tenantId, stored.tenantId),
          eq(webhookEndpoints.enabled, true),
          or(isNull(webhookEndpoints.mailboxId), eq(webhookEndpoints.mailboxId, stored.mailboxId)),
        ),
      );
    const subscribed = endpoints.filter((endpoint) =>
      parseEventTypes(endpoint.eventTypes).includes(MESSAGE_RECEIVED),
    );
    if (subscribed.length === 0) return [];
    const event = buildMessageReceivedEvent(stored, message, stored.attachmentIds, links);
    return subscribed.map(
      (endpoint) =>
        deliveryInsert(db, {
          endpointId: endpoint.id,
          tenantId: stored.tenantId,
          messageId: stored.id,
          event,
          now: message.receivedAt,
        }).statement,
    );
  };
}

export function deliveryInsert(
  db: Db,
  input: { endpointId: string; tenantId: string; messageId: string | null; event: WebhookEvent; now: number },
): { id: string; statement: SqlStatement } {
  const id = newId("delivery");
  const statement = toStatement(
    db.insert(webhookDeliveries).values({
      id,
      endpointId: input.endpointId,
      tenantId: input.tenantId,
      messageId: input.messageId,
      eventType: input.event.type,
      payload: JSON.stringify(input.event),
      status: "pending",
      attempts: 0,
      nextAttemptAt: input.now,
      createdAt: input.now,
    }),
  );
  return { id, statement };
}

export function parseEventTypes(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
  } catch {
    return [];
  }
}
