import type { Db } from "../../db/client";
import { webhookDeliveries } from "../../db/schema";
import { type SqlStatement, toStatement } from "../../db/statements";
import { newId } from "../ids";
import type { WebhookEvent } from "./payload";

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
