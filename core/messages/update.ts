import type { Store } from "../../db/store";
import { commit } from "../../db/store";
import { NotFoundError } from "../errors";
import { MESSAGE_UPDATED, messageEventsInsert } from "../events/log";

/**
 * Marks a message read or unread, with a `message.updated` event when that
 * changes its state (in the same batch). Another tenant's id is NotFound, like
 * an unknown one.
 */
export async function markMessageSeen(
  store: Store,
  tenantId: string,
  id: string,
  seen: boolean,
): Promise<void> {
  const now = Date.now();
  const results = await commit(
    store,
    [
      messageEventsInsert({
        type: MESSAGE_UPDATED,
        where: "tenant_id = ? AND id = ? AND seen != ?",
        args: [tenantId, id, seen ? 1 : 0],
        dataSql: "json_object('id', id, 'mailbox_id', mailbox_id, 'seen', json(?), 'updated_at', ?)",
        dataArgs: [seen ? "true" : "false", new Date(now).toISOString()],
        now,
      }),
      {
        sql: "UPDATE messages SET seen = ? WHERE tenant_id = ? AND id = ?",
        args: [seen ? 1 : 0, tenantId, id],
      },
    ],
    { announces: true },
  );
  if ((results[1]?.rowsAffected ?? 0) === 0) throw new NotFoundError(`no message ${id}`);
}
