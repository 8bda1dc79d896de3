import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import { domainDelegations } from "../../db/schema";
import { toStatement } from "../../db/statements";
import { commit, type Store } from "../../db/store";
import { normalizeDomain } from "../addresses";
import { randomBase62, sha256Hex } from "../crypto";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import { newId } from "../ids";
import { getDomain } from "./domains";

/**
 * Delegation (issue 13): a subdomain of a domain a tenant has verified is that
 * tenant's, and no other tenant can add it (409), unless the owner delegates
 * it. The owner asks for a delegation of one name under its verified domain
 * and gets a token, shown once and stored only as its SHA-256; the tenant it
 * hands the token to adds the domain with it, once. The delegated domain is
 * then pending like any other until its own TXT record is seen: the owner,
 * who runs the parent's DNS, publishes it.
 */
export interface Delegation {
  id: string;
  tenantId: string;
  domainId: string;
  name: string;
  createdAt: number;
  /** When a tenant added the domain with the token; null while unused. */
  usedAt: number | null;
}

const TOKEN_PREFIX = "omnimail_dlg_";

export async function createDelegation(
  store: Store,
  tenantId: string,
  domainId: string,
  input: { name: string },
): Promise<{ delegation: Delegation; token: string }> {
  const parent = await getDomain(store.db, tenantId, domainId);
  const name = normalizeDomain(input.name);
  if (!name) throw new InvalidError("body.name", "must be a domain name such as billing.globex.example");
  if (!name.endsWith(`.${parent.name}`)) {
    throw new InvalidError("body.name", `must be a subdomain of ${parent.name}`);
  }
  if (parent.verifiedAt === null) {
    // A pending domain stops no one: there is nothing to delegate yet.
    throw new ConflictError(
      `the domain ${parent.name} is not verified yet; verify it before delegating under it`,
    );
  }
  const token = `${TOKEN_PREFIX}${randomBase62(32)}`;
  const delegation: Delegation = {
    id: newId("delegation"),
    tenantId,
    domainId,
    name,
    createdAt: Date.now(),
    usedAt: null,
  };
  await commit(store, [
    toStatement(
      store.db.insert(domainDelegations).values({ ...delegation, tokenHash: await sha256Hex(token) }),
    ),
  ]);
  return { delegation, token };
}

export async function listDelegations(db: Db, tenantId: string, domainId: string): Promise<Delegation[]> {
  await getDomain(db, tenantId, domainId);
  const rows = await db
    .select()
    .from(domainDelegations)
    .where(and(eq(domainDelegations.tenantId, tenantId), eq(domainDelegations.domainId, domainId)))
    .orderBy(desc(domainDelegations.id))
    .limit(1000);
  return rows.map(({ tokenHash: _, ...delegation }) => delegation);
}

/** Withdraws an unused delegation; a used one stays as the record of what was delegated (409). */
export async function deleteDelegation(store: Store, tenantId: string, domainId: string, id: string) {
  const [row] = await store.db
    .select({ usedAt: domainDelegations.usedAt })
    .from(domainDelegations)
    .where(
      and(
        eq(domainDelegations.tenantId, tenantId),
        eq(domainDelegations.domainId, domainId),
        eq(domainDelegations.id, id),
      ),
    )
    .limit(1);
  if (!row) throw new NotFoundError(`no delegation ${id} on domain ${domainId}`);
  if (row.usedAt !== null) {
    throw new ConflictError(
      `the delegation ${id} has been used: the domain is another tenant's now, and only that tenant can delete it`,
    );
  }
  await commit(store, [
    toStatement(
      store.db
        .delete(domainDelegations)
        .where(
          and(
            eq(domainDelegations.tenantId, tenantId),
            eq(domainDelegations.id, id),
            isNull(domainDelegations.usedAt),
          ),
        ),
    ),
  ]);
}
