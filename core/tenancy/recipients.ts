import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { domains, mailboxes } from "../../db/schema";
import { CATCH_ALL, localPartKey, parseEmailAddress, splitSubaddress } from "../addresses";

/**
 * Where an envelope recipient goes. Lookup order, as Postfix's virtual maps:
 * the exact local part, then the part before `+` (subaddress, the tag is kept on
 * the message's envelope), then the domain's catch-all `*`.
 */
export type RecipientResolution =
  | { kind: "mailbox"; tenantId: string; mailboxId: string }
  | { kind: "domain-not-hosted" }
  | { kind: "unknown-mailbox" }
  | { kind: "invalid-address" };

export async function resolveRecipient(db: Db, address: string): Promise<RecipientResolution> {
  const parsed = parseEmailAddress(address);
  if (!parsed) return { kind: "invalid-address" };
  const [domain] = await db
    .select({ id: domains.id, tenantId: domains.tenantId })
    .from(domains)
    .where(eq(domains.name, parsed.domain))
    .limit(1);
  if (!domain) return { kind: "domain-not-hosted" };

  const exact = localPartKey(parsed.localPart);
  const { base } = splitSubaddress(parsed.localPart);
  const candidates = [...new Set([exact, localPartKey(base), CATCH_ALL])];
  const rows = await db
    .select({ id: mailboxes.id, key: mailboxes.localPartKey })
    .from(mailboxes)
    .where(
      and(
        eq(mailboxes.tenantId, domain.tenantId),
        eq(mailboxes.domainId, domain.id),
        inArray(mailboxes.localPartKey, candidates),
      ),
    );
  for (const candidate of candidates) {
    const match = rows.find((row) => row.key === candidate);
    if (match) return { kind: "mailbox", tenantId: domain.tenantId, mailboxId: match.id };
  }
  return { kind: "unknown-mailbox" };
}
