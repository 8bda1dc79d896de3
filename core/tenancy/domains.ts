import { and, count, desc, eq, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { domainDelegations, domains, mailboxes } from "../../db/schema";
import { type SqlStatement, toStatement } from "../../db/statements";
import { commit, type Store } from "../../db/store";
import { normalizeDomain } from "../addresses";
import { randomBase62, sha256Hex } from "../crypto";
import { ConflictError, InvalidError, isConstraintViolation, NotFoundError } from "../errors";
import { newId } from "../ids";

export interface Domain {
  id: string;
  tenantId: string;
  name: string;
  createdAt: number;
  /** Null while pending: mail for the domain is refused until its ownership is proven. */
  verifiedAt: number | null;
  verificationToken: string;
  /** The RCPT-time hook (JSON, core/policy/rcpt-hook-config.ts) and its signing secret; null: none. */
  rcptHook: string | null;
  rcptHookSecret: string | null;
}

/**
 * Proof of ownership (issue 13): a new domain is pending until a TXT record
 * `_omnimail.<domain>` holds `omnimail-verification=<token>`, looked up through
 * the product's resolver when the tenant asks (`verifyDomain`), or until an
 * operator vouches for it (`markDomainVerified`: admin API or CLI). Mail for a
 * pending domain is refused at RCPT with 550 5.7.1.
 */
export const VERIFICATION_RECORD_PREFIX = "_omnimail";

export function verificationRecord(domain: Pick<Domain, "name" | "verificationToken">) {
  return {
    type: "TXT" as const,
    name: `${VERIFICATION_RECORD_PREFIX}.${domain.name}`,
    value: `omnimail-verification=${domain.verificationToken}`,
  };
}

/** TXT lookups for verification; the Bun process uses its DNS client, a Worker DNS over HTTPS. */
export type ResolveTxt = (name: string) => Promise<string[][]>;

export async function createDomain(
  store: Store,
  tenantId: string,
  input: { name: string; delegationToken?: string | undefined },
): Promise<Domain> {
  const { row, statement } = domainInsert(store.db, tenantId, input);
  const [taken] = await store.db
    .select({ id: domains.id })
    .from(domains)
    .where(eq(domains.name, row.name))
    .limit(1);
  // Same answer whichever tenant owns it: do not reveal who has a domain.
  if (taken) throw new ConflictError(`the domain ${row.name} is already registered`);
  const name = row.name;
  // A subdomain of another tenant's proven domain is theirs (sub.globex.test is Globex's), unless
  // they delegated it: the closest such domain's tenant decides (it may itself hold it by delegation).
  const [parent] = await store.db.all<{ tenant_id: string }>(sql`
    SELECT tenant_id FROM domains
    WHERE tenant_id != ${tenantId} AND verified_at IS NOT NULL AND ${name} LIKE '%.' || name
    ORDER BY length(name) DESC LIMIT 1`);
  const statements = [statement];
  if (parent) {
    const use = input.delegationToken
      ? await delegationUse(store.db, {
          name,
          ownerTenantId: parent.tenant_id,
          token: input.delegationToken,
          now: row.createdAt,
        })
      : null;
    if (!use) {
      throw new ConflictError(
        input.delegationToken
          ? `the delegation_token is not an unused delegation of ${name} by the tenant that verified the domain it is under`
          : `the domain ${name} is under a domain another tenant has verified; only that tenant can add it, or delegate it to you (body.delegation_token)`,
      );
    }
    statements.push(use);
  }
  try {
    await commit(store, statements);
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
  input: { name: string; verified?: boolean },
): { row: Domain; statement: SqlStatement } {
  const name = normalizeDomain(input.name);
  if (!name) throw new InvalidError("body.name", "must be a domain name such as mail.example.com");
  const now = Date.now();
  const row: Domain = {
    id: newId("domain"),
    tenantId,
    name,
    createdAt: now,
    verifiedAt: input.verified ? now : null,
    verificationToken: randomBase62(32),
    rcptHook: null,
    rcptHookSecret: null,
  };
  return { row, statement: toStatement(db.insert(domains).values(row)) };
}

/**
 * The tenant proves it owns the domain: the TXT record is looked up now, and
 * the domain is verified if one of its values is the expected one. A pending
 * domain whose record is missing or wrong is an error saying what was found.
 */
export async function verifyDomain(
  store: Store,
  tenantId: string,
  id: string,
  resolveTxt: ResolveTxt,
): Promise<Domain> {
  const domain = await getDomain(store.db, tenantId, id);
  if (domain.verifiedAt !== null) return domain;
  const record = verificationRecord(domain);
  let found: string[] = [];
  try {
    found = (await resolveTxt(record.name)).map((strings) => strings.join(""));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== "ENOTFOUND" && code !== "ENODATA") {
      throw new DomainVerificationError(
        `the TXT record ${record.name} could not be looked up (${code ?? String(error)}); try again`,
      );
    }
  }
  if (!found.includes(record.value)) {
    throw new DomainVerificationError(
      found.length === 0
        ? `no TXT record at ${record.name}: add one with the value ${record.value}, then verify again`
        : `the TXT record at ${record.name} holds ${found.map((value) => JSON.stringify(value)).join(", ")}, not ${record.value}`,
    );
  }
  return markVerified(store, domain);
}

/** An operator vouches for a domain (admin API, CLI): verified without DNS. Not tenant-scoped. */
export async function markDomainVerified(store: Store, id: string): Promise<Domain> {
  const [domain] = await store.db.select().from(domains).where(eq(domains.id, id)).limit(1);
  if (!domain) throw new NotFoundError(`no domain ${id}`);
  return domain.verifiedAt !== null ? domain : markVerified(store, domain);
}

async function markVerified(store: Store, domain: Domain): Promise<Domain> {
  const verifiedAt = Date.now();
  await commit(store, [
    toStatement(
      store.db
        .update(domains)
        .set({ verifiedAt })
        .where(and(eq(domains.id, domain.id), isNull(domains.verifiedAt))),
    ),
  ]);
  return { ...domain, verifiedAt: domain.verifiedAt ?? verifiedAt };
}

/** The record was not there, or not right: 422 with what was found. */
export class DomainVerificationError extends InvalidError {
  constructor(message: string) {
    super("path.id", message);
  }
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
      // Its delegations go with it; domains added with them are their tenants' and stay.
      toStatement(
        db
          .delete(domainDelegations)
          .where(and(eq(domainDelegations.tenantId, tenantId), eq(domainDelegations.domainId, id))),
      ),
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

/**
 * The unused delegation of `name` by `ownerTenantId` that `token` is for, as
 * the statement that uses it up (to commit with the domain's insert), or null.
 */
async function delegationUse(
  db: Db,
  input: { name: string; ownerTenantId: string; token: string; now: number },
): Promise<SqlStatement | null> {
  const tokenHash = await sha256Hex(input.token);
  const [row] = await db
    .select({ id: domainDelegations.id })
    .from(domainDelegations)
    .where(
      and(
        eq(domainDelegations.name, input.name),
        eq(domainDelegations.tenantId, input.ownerTenantId),
        eq(domainDelegations.tokenHash, tokenHash),
        isNull(domainDelegations.usedAt),
      ),
    )
    .limit(1);
  if (!row) return null;
  return toStatement(
    db
      .update(domainDelegations)
      .set({ usedAt: input.now })
      .where(and(eq(domainDelegations.id, row.id), isNull(domainDelegations.usedAt))),
  );
}
