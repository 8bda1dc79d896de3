import { and, count, desc, eq, lt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { domains, mailboxes } from "../../db/schema";
import { type SqlStatement, toStatement } from "../../db/statements";
import { commit, type Store } from "../../db/store";
import { normalizeDomain } from "../addresses";
import { ConflictError, InvalidError, isConstraintViolation, NotFoundError } from "../errors";
import { newId } from "../ids";

export interface Domain {
  id: string;
  tenantId: string;
  name: string;
  createdAt: number;
}

export async function createDomain(store: Store, tenantId: string, input: { name: string }): Promise<Domain> {
  const { row, statement } = domainInsert(store.db, tenantId, input);
  const [taken] = await store.db
    .select({ id: domains.id })
    .from(domains)
    .where(eq(domains.name, row.name))
    .limit(1);
  // Same answer whichever tenant owns it: do not reveal who has a domain.
  if (taken) throw new ConflictError(`the domain ${row.name} is already registered`);
  const name = row.name;
  try {
    await commit(store, [statement]);
  } catch (error) {
    // Lost a race with another insert of the same name.
    if (isConstraintViolation(error, "UNIQUE")) {
      throw new ConflictError(`the domain ${name} is already registered`, { cause: error });
    }
    throw error;
  }
  return row;
}

/** A new domain's row, validated, as a statement (for verbs that commit it with others). */
export function domainInsert(
  db: Db,
  tenantId: string,
  input: { name: string },
): { row: Domain; statement: SqlStatement } {
  const name = normalizeDomain(input.name);
  if (!name) throw new InvalidError("body.name", "must be a domain name such as mail.example.com");
  const row = { id: newId("domain"), tenantId, name, createdAt: Date.now() };
  return { row, statement: toStatement(db.insert(domains).values(row)) };
}

export async function getDomain(db: Db, tenantId: string, id: string): Promise<Domain> {
  const [row] = await db
    .select()
    .from(domains)
    .where(and(eq(domains.tenantId, tenantId), eq(domains.id, id)))
    .limit(1);
  if (!row) throw new NotFoundError(`no domain ${id}`);
  return row;
}

export async function findDomainByName(db: Db, tenantId: string, name: string): Promise<Domain | null> {
  const [row] = await db
    .select()
    .from(domains)
    .where(and(eq(domains.tenantId, tenantId), eq(domains.name, name)))
    .limit(1);
  return row ?? null;
}

export async function listDomains(
  db: Db,
  tenantId: string,
  page: { limit: number; before?: string | undefined },
): Promise<Domain[]> {
  return db
    .select()
    .from(domains)
    .where(and(eq(domains.tenantId, tenantId), page.before ? lt(domains.id, page.before) : undefined))
    .orderBy(desc(domains.id))
    .limit(page.limit);
}

/**
 * Deletes a domain that has no mailboxes left. With mailboxes it is a
 * ConflictError naming how many: deleting a domain must not silently delete
 * mail, so the mailboxes (and with them their messages) go first, on purpose.
 */
export async function deleteDomain(store: Store, tenantId: string, id: string): Promise<void> {
  const db = store.db;
  const domain = await getDomain(db, tenantId, id);
  const [used] = await db
    .select({ n: count() })
    .from(mailboxes)
    .where(and(eq(mailboxes.tenantId, tenantId), eq(mailboxes.domainId, id)));
  const mailboxCount = used?.n ?? 0;
  if (mailboxCount > 0) {
    throw new ConflictError(
      `the domain ${domain.name} still has ${mailboxCount} mailbox${mailboxCount === 1 ? "" : "es"}; delete ${mailboxCount === 1 ? "it" : "them"} first (DELETE /v1/mailboxes/{id})`,
    );
  }
  try {
    await commit(store, [
      toStatement(db.delete(domains).where(and(eq(domains.tenantId, tenantId), eq(domains.id, id)))),
    ]);
  } catch (error) {
    // A mailbox created between the count and the delete: the foreign key refuses.
    if (isConstraintViolation(error, "FOREIGN KEY")) {
      throw new ConflictError(`the domain ${domain.name} still has mailboxes; delete them first`, {
        cause: error,
      });
    }
    throw error;
  }
}
