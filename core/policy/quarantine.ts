import { commit, type Store } from "../../db/store";
import { ConflictError } from "../errors";
import { eventInsert, MESSAGE_RECEIVED } from "../events/log";
import { getMessage } from "../messages/read";
import type { Links } from "../messages/serialize";
import { messageReceivedEventFromRow } from "../outbox/payload";

/**
 * POST /v1/messages/{id}/release: a message a quarantine rule held becomes
 * ordinary mail, and is announced now — its `message.received` event (and so
 * its webhooks) is written in the commit that releases it, and only by the
 * first of two releases at once. Another tenant's id is NotFound.
 */
export async function releaseMessage(
  store: Store,
  tenantId: string,
  id: string,
  links: Links,
): Promise<void> {
  const row = await getMessage(store.db, tenantId, id);
  if (!row.quarantined) throw new ConflictError(`message ${id} is not quarantined`);
  const { dataJson } = messageReceivedEventFromRow(row, links);
  const held = {
    sql: "EXISTS (SELECT 1 FROM messages WHERE tenant_id = ? AND id = ? AND quarantined = 1)",
    args: [tenantId, id],
  };
  const results = await commit(
    store,
    [
      eventInsert(
        {
          tenantId,
          type: MESSAGE_RECEIVED,
          mailboxId: row.mailboxId,
          messageId: id,
          dataJson,
          now: Date.now(),
        },
        held,
      ),
      {
        sql: "UPDATE messages SET quarantined = 0 WHERE tenant_id = ? AND id = ? AND quarantined = 1",
        args: [tenantId, id],
      },
    ],
    { announces: true },
  );
  if ((results[1]?.rowsAffected ?? 0) === 0) throw new ConflictError(`message ${id} is not quarantined`);
}
