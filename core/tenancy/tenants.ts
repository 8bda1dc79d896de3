import { count, desc, eq, lt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { tenants } from "../../db/schema";
import { toStatement } from "../../db/statements";
import { commit, type Store } from "../../db/store";
import { CATCH_ALL } from "../addresses";
import { InvalidError, NotFoundError } from "../errors";
import { newId } from "../ids";
import { generateLinkKey } from "../links/signed-links";
import { generateReplyKey } from "../reply-addresses/token";
import { apiKeyInsert, type CreatedApiKey } from "./api-keys";
import { domainInsert } from "./domains";
import { mailboxInsert } from "./mailboxes";

export interface Tenant {
  id: string;
  name: string;
  createdAt: number;
}

/** Creates a tenant and its first API key in one batch: both or neither. */
export async function createTenant(
  store: Store,
  input: { name: string; apiKey?: string | undefined },
): Promise<{ tenant: Tenant; apiKey: CreatedApiKey }> {
  const { tenant, statements, apiKey } = await tenantInserts(store.db, input);
  await commit(store, statements);
  return { tenant, apiKey };
}

async function tenantInserts(db: Db, input: { name: string; apiKey?: string | undefined }) {
  const name = input.name.trim();
  if (name === "" || name.length > 200) throw new InvalidError("body.name", "must be 1-200 characters");
  const tenant = {
    id: newId("tenant"),
    name,
    createdAt: Date.now(),
    linkKey: generateLinkKey(),
    replyKey: generateReplyKey(),
  };
  const key = await apiKeyInsert(db, { tenantId: tenant.id, name: "default", key: input.apiKey });
  return {
    tenant,
    apiKey: key.created,
    statements: [toStatement(db.insert(tenants).values(tenant)), key.statement],
  };
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
  store: Store,
  options: { defaultDomain: string; bootstrapApiKey?: string | undefined },
): Promise<Bootstrap | null> {
  const db = store.db;
  const [existing] = await db.select({ n: count() }).from(tenants);
  if ((existing?.n ?? 0) > 0) return null;
  const { tenant, apiKey, statements } = await tenantInserts(db, {
    name: "default",
    apiKey: options.bootstrapApiKey,
  });
  // The first-start domain is the operator's own: verified from the start.
  const domain = domainInsert(db, tenant.id, { name: options.defaultDomain, verified: true });
  const catchAll = mailboxInsert(db, tenant.id, domain.row.id, CATCH_ALL);
  // The count is asked again inside the write transaction, so two processes
  // starting at once (npm run smtp beside npm run api) create one default tenant.
  const created = await store.transaction(async (tx) => {
    const again = await tx.execute({ sql: "SELECT count(*) AS n FROM tenants", args: [] });
    if (Number(again.rows[0]?.n ?? 0) > 0) return false;
    for (const statement of [...statements, domain.statement, catchAll.statement])
      await tx.execute(statement);
    return true;
  });
  if (!created) return null;
  return { tenant, domain: domain.row.name, generatedKey: options.bootstrapApiKey ? null : apiKey.key };
}
