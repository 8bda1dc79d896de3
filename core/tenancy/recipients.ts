import type { Db } from "../../db/client";
import { CATCH_ALL, localPartKey, parseEmailAddress, splitSubaddress } from "../addresses";

/**
 * Where an envelope recipient goes. Lookup order, as Postfix's virtual maps:
 * the exact local part, then the part before `+` (subaddress, the tag is kept on
 * the message's envelope), then the domain's catch-all `*`.
 */
export type RecipientResolution =
  | {
      kind: "mailbox";
      tenantId: string;
      mailboxId: string;
      /** The tag after `+` when the address reached its mailbox by its base (a reply token, or any tag). */
      subaddress: string | null;
      /** The tenant's reply-address key, to check a token-shaped tag (core/reply-addresses/token.ts). */
      replyKey: string | null;
    }
  | { kind: "domain-not-hosted" }
  /** The domain is a tenant's, but its ownership is not proven yet: no mail for it. */
  | { kind: "domain-unverified" }
  | { kind: "unknown-mailbox" }
  | { kind: "invalid-address" };

/**
 * One statement, so an uncached RCPT costs one round trip on a remote database:
 * the domain with its tenant, and the candidate mailboxes, LEFT JOINed.
 */
export async function resolveRecipient(db: Db, address: string): Promise<RecipientResolution> {
  const parsed = parseEmailAddress(address);
  if (!parsed) return { kind: "invalid-address" };
  const exact = localPartKey(parsed.localPart);
  const { base, tag } = splitSubaddress(parsed.localPart);
  const candidates = [...new Set([exact, localPartKey(base), CATCH_ALL])];
  const result = await db.$client.execute({
    sql: `SELECT d.tenant_id, d.verified_at, t.reply_key, m.id AS mailbox_id, m.local_part_key
      FROM domains d
      JOIN tenants t ON t.id = d.tenant_id
      LEFT JOIN mailboxes m ON m.domain_id = d.id AND m.tenant_id = d.tenant_id
        AND m.local_part_key IN (${candidates.map(() => "?").join(", ")})
      WHERE d.name = ?`,
    args: [...candidates, parsed.domain],
  });
  const first = result.rows[0];
  if (!first) return { kind: "domain-not-hosted" };
  if (first.verified_at === null) return { kind: "domain-unverified" };
  const tenantId = String(first.tenant_id);
  const replyKey = typeof first.reply_key === "string" ? first.reply_key : null;
  for (const candidate of candidates) {
    const match = result.rows.find((row) => row.local_part_key === candidate);
    if (match) {
      const subaddress = candidate === exact ? null : (tag ?? null);
      return { kind: "mailbox", tenantId, mailboxId: String(match.mailbox_id), subaddress, replyKey };
    }
  }
  return { kind: "unknown-mailbox" };
}
