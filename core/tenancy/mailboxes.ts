import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { domains, mailboxes, messages } from "../../db/schema";
import { CATCH_ALL, localPartKey, parseEmailAddress } from "../addresses";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import { newId } from "../ids";

export interface Mailbox {
  id: string;
  tenantId: string;
  domainId: string;
  address: string;
  createdAt: number;
  messageCount: number;
  unreadCount: number;
}

/** Creates `local@domain` (or `*@domain`) on a domain the tenant owns. */
export async function createMailbox(
  db: Db,
  tenantId: string,
  input: { address: string },
): Promise<Omit<Mailbox, "messageCount" | "unreadCount">> {
  const parsed = parseEmailAddress(input.address.trim());
  if (!parsed)
    throw new InvalidError("body.address", "must be an address like alice@example.com or *@example.com");
  const [domain] = await db
    .select({ id: domains.id, name: domains.name })
    .from(domains)
    .where(and(eq(domains.tenantId, tenantId), eq(domains.name, parsed.domain)))
    .limit(1);
  if (!domain) {
    throw new InvalidError("body.address", `the domain ${parsed.domain} is not one of this tenant's domains`);
  }
  const key = localPartKey(parsed.localPart);
  const row = {
    id: newId("mailbox"),
    tenantId,
    domainId: domain.id,
    localPart: parsed.localPart,
    localPartKey: key,
    createdAt: Date.now(),
  };
  try {
    await db.insert(mailboxes).values(row);
  } catch (error) {
    if (String(error).includes("UNIQUE")) {
      throw new ConflictError(`the mailbox ${parsed.localPart}@${domain.name} already exists`, {
        cause: error,
      });
    }
    throw error;
  }
  return {
    id: row.id,
    tenantId,
    domainId: domain.id,
    address: `${parsed.localPart}@${domain.name}`,
    createdAt: row.createdAt,
  };
}

const mailboxColumns = {
  id: mailboxes.id,
  tenantId: mailboxes.tenantId,
  domainId: mailboxes.domainId,
  address: sql<string>`${mailboxes.localPart} || '@' || ${domains.name}`,
  createdAt: mailboxes.createdAt,
  messageCount: sql<number>`(SELECT count(*) FROM ${messages} WHERE ${messages.tenantId} = ${mailboxes.tenantId} AND ${messages.mailboxId} = ${mailboxes.id})`,
  unreadCount: sql<number>`(SELECT count(*) FROM ${messages} WHERE ${messages.tenantId} = ${mailboxes.tenantId} AND ${messages.mailboxId} = ${mailboxes.id} AND ${messages.seen} = 0)`,
};

export async function listMailboxes(
  db: Db,
  tenantId: string,
  page: { limit: number; before?: string | undefined },
): Promise<Mailbox[]> {
  return db
    .select(mailboxColumns)
    .from(mailboxes)
    .innerJoin(domains, eq(domains.id, mailboxes.domainId))
    .where(and(eq(mailboxes.tenantId, tenantId), page.before ? lt(mailboxes.id, page.before) : undefined))
    .orderBy(desc(mailboxes.id))
    .limit(page.limit);
}

export async function getMailbox(db: Db, tenantId: string, id: string): Promise<Mailbox> {
  const [row] = await db
    .select(mailboxColumns)
    .from(mailboxes)
    .innerJoin(domains, eq(domains.id, mailboxes.domainId))
    .where(and(eq(mailboxes.tenantId, tenantId), eq(mailboxes.id, id)))
    .limit(1);
  if (!row) throw new NotFoundError(`no mailbox ${id}`);
  return row;
}

export { CATCH_ALL };
