import type { Db } from "../../db/client";
import { webhookDeliveries } from "../../db/schema";
import { type SqlStatement, toStatement } from "../../db/statements";
import { newId } from "../ids";
import type { WebhookEvent } from "./payload";

export const MESSAGE_RECEIVED = "message.received";

/**
 * The transactional outbox row(s) for one stored copy: one `message.received`
 * delivery per matching endpoint — the tenant's, enabled, subscribed to the
 * event, unfiltered or filtered to that mailbox — chosen by `INSERT … SELECT`
 * inside the same commit as the message. So an endpoint deleted or disabled a
 * moment before never fails the message (no foreign key points at a row that
 * is gone), one created a moment before gets it, and no read happens first.
 *
 * Delivery ids are `<base>_<endpoint id body>`: unique per (copy, endpoint),
 * time-ordered like every id, and known only after the commit: the statement
 * returns them (RETURNING, whose rows are counted reliably; the rows-changed
 * figure of an INSERT … SELECT that inserted nothing is not, on every server).
 */
export function messageReceivedOutboxInsert(input: {
  tenantId: string;
  mailboxId: string;
  messageId: string;
  event: WebhookEvent;
  now: number;
}): SqlStatement {
  return {
    sql: `INSERT INTO webhook_deliveries
        (id, endpoint_id, tenant_id, message_id, event_type, payload, status, attempts, next_attempt_at, created_at)
      SELECT ? || '_' || substr(e.id, instr(e.id, '_') + 1), e.id, e.tenant_id, ?, ?, ?, 'pending', 0, ?, ?
      FROM webhook_endpoints e
      WHERE e.tenant_id = ? AND e.enabled = 1
        AND (e.mailbox_id IS NULL OR e.mailbox_id = ?)
        AND EXISTS (SELECT 1 FROM json_each(e.event_types) WHERE json_each.value = ?)
      RETURNING id`,
    args: [
      newId("delivery"),
      input.messageId,
      MESSAGE_RECEIVED,
      JSON.stringify(input.event),
      input.now,
      input.now,
      input.tenantId,
      input.mailboxId,
      MESSAGE_RECEIVED,
    ],
  };
}

/** One delivery row for one endpoint (test events), as a statement. */
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
