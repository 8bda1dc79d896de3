import { and, eq } from "drizzle-orm";
import { messages } from "../../db/schema";
import { toStatement } from "../../db/statements";
import { commit, type Store } from "../../db/store";
import { NotFoundError } from "../errors";

/** Marks a message read or unread. Another tenant's id is NotFound, like an unknown one. */
export async function markMessageSeen(
  store: Store,
  tenantId: string,
  id: string,
  seen: boolean,
): Promise<void> {
  const [result] = await commit(store, [
    toStatement(
      store.db
        .update(messages)
        .set({ seen })
        .where(and(eq(messages.tenantId, tenantId), eq(messages.id, id))),
    ),
  ]);
  if ((result?.rowsAffected ?? 0) === 0) throw new NotFoundError(`no message ${id}`);
}
