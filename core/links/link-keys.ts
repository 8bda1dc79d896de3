import type { Db } from "../../db/client";
import { commit, type Store } from "../../db/store";
import { generateLinkKey } from "./signed-links";

/** A tenant's link key (every tenant has one: migration 0013, and tenant creation). */
export async function getLinkKey(db: Db, tenantId: string): Promise<string | null> {
  const result = await db.$client.execute({
    sql: "SELECT link_key FROM tenants WHERE id = ?",
    args: [tenantId],
  });
  const key = result.rows[0]?.link_key;
  return typeof key === "string" ? key : null;
}

/**
 * The tenant and link key of the message a link names, in one read; null for
 * no such message (which the link check answers like a bad signature).
 */
export async function linkKeyOfMessage(
  db: Db,
  messageId: string,
): Promise<{ tenantId: string; linkKey: string } | null> {
  const result = await db.$client.execute({
    sql: "SELECT m.tenant_id, t.link_key FROM messages m JOIN tenants t ON t.id = m.tenant_id WHERE m.id = ?",
    args: [messageId],
  });
  const row = result.rows[0];
  if (!row || typeof row.link_key !== "string") return null;
  return { tenantId: String(row.tenant_id), linkKey: row.link_key };
}

/** A new link key: every link signed with the old one stops opening at once. */
export async function rotateLinkKey(store: Store, tenantId: string, now = Date.now()): Promise<void> {
  await commit(store, [
    {
      sql: "UPDATE tenants SET link_key = ?, link_key_rotated_at = ? WHERE id = ?",
      args: [generateLinkKey(), now, tenantId],
    },
  ]);
}
