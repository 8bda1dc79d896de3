import { count, desc, eq, lt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { tenants } from "../../db/schema";
import { CATCH_ALL } from "../addresses";
import { InvalidError, NotFoundError } from "../errors";
import { newId } from "../ids";
import { type CreatedApiKey, createApiKey } from "./api-keys";
import { createDomain } from "./domains";
import { createMailbox } from "./mailboxes";

export interface Tenant {
  id: string;
  name: string;
  createdAt: number;
}

export async function createTenant(
  db: Db,
  input: { name: string; apiKey?: string | undefined },
): Promise<{ tenant: Tenant; apiKey: CreatedApiKey }> {
  const name = input.name.trim();
  if (name === "" || name.length > 200) throw new InvalidError("body.name", "must be 1-200 characters");
  const tenant = { id: newId("tenant"), name, createdAt: Date.now() };
  await db.insert(tenants).values(tenant);
  const apiKey = await createApiKey(db, { tenantId: tenant.id, name: "default", key: input.apiKey });
  return { tenant, apiKey };
}

/** Every tenant, newest first. An operator's view (admin and CLI), never a tenant's. */
export async function listTenants(
  db: Db,
  page: { limit: number; before?: string | undefined },
): Promise<Tenant[]> {
  return db
    .select()
    .from(tenants)
    .where(page.before ? lt(tenants.id, page.before) : undefined)
    .orderBy(desc(tenants.id))
    .limit(page.limit);
}

export async function getTenant(db: Db, id: string): Promise<Tenant> {
  const [row] = await db.select().from(tenants).where(eq(tenants.id, id)).limit(1);
  if (!row) throw new NotFoundError(`no tenant ${id}`);
  return row;
}

export interface Bootstrap {
  tenant: Tenant;
  domain: string;
  /** The API key, when this call created it from random bytes (shown once). */
  generatedKey: string | null;
}

/**
 * First start: on a database with no tenants, create the `default` tenant, its
 * domain and catch-all mailbox, so `anything@<domain>` is accepted at once.
 * Returns null when tenants already exist (nothing is changed then).
 */
export async function bootstrapDefaultTenant(
  db: Db,
  options: { defaultDomain: string; bootstrapApiKey?: string | undefined },
): Promise<Bootstrap | null> {
  const [existing] = await db.select({ n: count() }).from(tenants);
  if ((existing?.n ?? 0) > 0) return null;
  const { tenant, apiKey } = await createTenant(db, { name: "default", apiKey: options.bootstrapApiKey });
  const domain = await createDomain(db, tenant.id, { name: options.defaultDomain });
  await createMailbox(db, tenant.id, { address: `${CATCH_ALL}@${domain.name}` });
  return { tenant, domain: domain.name, generatedKey: options.bootstrapApiKey ? null : apiKey.key };
}
