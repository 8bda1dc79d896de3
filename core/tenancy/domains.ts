import { and, desc, eq, lt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { domains } from "../../db/schema";
import { normalizeDomain } from "../addresses";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import { newId } from "../ids";

export interface Domain {
  id: string;
  tenantId: string;
  name: string;
  createdAt: number;
}

export async function createDomain(db: Db, tenantId: string, input: { name: string }): Promise<Domain> {
  const name = normalizeDomain(input.name);
  if (!name) throw new InvalidError("body.name", "must be a domain name such as mail.example.com");
  const [taken] = await db.select({ id: domains.id }).from(domains).where(eq(domains.name, name)).limit(1);
  // Same answer whichever tenant owns it: do not reveal who has a domain.
  if (taken) throw new ConflictError(`the domain ${name} is already registered`);
  const row = { id: newId("domain"), tenantId, name, createdAt: Date.now() };
  try {
    await db.insert(domains).values(row);
  } catch (error) {
    // Lost a race with another insert of the same name.
    if (String(error).includes("UNIQUE")) {
      throw new ConflictError(`the domain ${name} is already registered`, { cause: error });
    }
    throw error;
  }
  return row;
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
