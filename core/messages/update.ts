import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { messages } from "../../db/schema";
import { NotFoundError } from "../errors";

/** Marks a message read or unread. Another tenant's id is NotFound, like an unknown one. */
export async function markMessageSeen(db: Db, tenantId: string, id: string, seen: boolean): Promise<void> {
  const updated = await db
    .update(messages)
    .set({ seen })
    .where(and(eq(messages.tenantId, tenantId), eq(messages.id, id)))
    .returning({ id: messages.id });
  if (updated.length === 0) throw new NotFoundError(`no message ${id}`);
}
