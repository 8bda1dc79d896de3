import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../../db/client";
import { apiKeys } from "../../db/schema";
import type { SqlStatement } from "../../db/statements";
import { toStatement } from "../../db/statements";
import { commit, type Store } from "../../db/store";
import { randomBase62, sha256Hex } from "../crypto";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import { newId } from "../ids";

/**
 * API keys look like `om_live_<32 base62>`. Only the SHA-256 of the key is
 * stored, with its first 12 characters as a visible prefix. SHA-256 (not a slow
 * KDF) is right here: the key has ~190 bits of entropy, so there is nothing to
 * brute-force, and every request must verify one.
 */
export const API_KEY_PREFIX = "om_live_";
const PREFIX_LENGTH = 12;

/** Touch `last_used_at` at most once a minute per key, so reads do not become writes. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBase62(32)}`;
}

export interface CreatedApiKey {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  createdAt: number;
  /** The full key: shown once, never stored. */
  key: string;
}

/** The tenant already holds `limit` active keys: revoke one first. */
export class ApiKeyLimitError extends ConflictError {
  readonly limit: number;
  constructor(limit: number) {
    super(
      `this tenant already has ${limit} active API keys, the most allowed; revoke one before creating another`,
    );
    this.limit = limit;
  }
}

/**
 * Creates a key. With `maxActive`, refuses (ApiKeyLimitError) when the tenant
 * already has that many unrevoked keys: the count is taken inside the commit
 * (`INSERT … SELECT … WHERE count < max`), so two creates at once cannot both
 * pass it. Without it (the CLI, an operator's tool), no limit.
 */
export async function createApiKey(
  store: Store,
  input: { tenantId: string; name: string; key?: string | undefined; maxActive?: number | undefined },
): Promise<CreatedApiKey> {
  const { created, row } = await newApiKeyRow(input);
  if (!input.maxActive) {
    await commit(store, [toStatement(store.db.insert(apiKeys).values(row))]);
    return created;
  }
  const [inserted] = await commit(store, [
    {
      sql: `INSERT INTO api_keys (id, tenant_id, prefix, hash, name, created_at)
        SELECT ?, ?, ?, ?, ?, ?
        WHERE (SELECT count(*) FROM api_keys WHERE tenant_id = ? AND revoked_at IS NULL) < ?`,
      args: [
        row.id,
        row.tenantId,
        row.prefix,
        row.hash,
        row.name,
        row.createdAt,
        row.tenantId,
        input.maxActive,
      ],
    },
  ]);
  if (!inserted || inserted.rowsAffected === 0) throw new ApiKeyLimitError(input.maxActive);
  return created;
}

/** The row of a new key, as a statement, so a caller can commit it with others (createTenant). */
export async function apiKeyInsert(
  db: Db,
  input: { tenantId: string; name: string; key?: string | undefined },
): Promise<{ created: CreatedApiKey; statement: SqlStatement }> {
  const { created, row } = await newApiKeyRow(input);
  return { created, statement: toStatement(db.insert(apiKeys).values(row)) };
}

async function newApiKeyRow(input: { tenantId: string; name: string; key?: string | undefined }) {
  const name = input.name.trim();
  if (name === "" || name.length > 100) throw new InvalidError("body.name", "must be 1-100 characters");
  const key = input.key ?? generateApiKey();
  const row = {
    id: newId("apiKey"),
    tenantId: input.tenantId,
    prefix: key.slice(0, PREFIX_LENGTH),
    hash: await sha256Hex(key),
    name,
    createdAt: Date.now(),
  };
  const created: CreatedApiKey = {
    id: row.id,
    tenantId: row.tenantId,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt,
    key,
  };
  return { created, row };
}

export interface Principal {
  tenantId: string;
  apiKeyId: string;
}

/**
 * Resolves a presented key to its tenant, or null for unknown and revoked keys.
 * `last_used_at` is written at most once a minute; a failed write of it never
 * fails the request (the outcome is not checked).
 */
export async function authenticateApiKey(store: Store, presented: string): Promise<Principal | null> {
  const db = store.db;
  if (presented.length < 16 || presented.length > 256) return null;
  const hash = await sha256Hex(presented);
  const [row] = await db
    .select({ id: apiKeys.id, tenantId: apiKeys.tenantId, lastUsedAt: apiKeys.lastUsedAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!row) return null;
  const now = Date.now();
  if (row.lastUsedAt === null || now - row.lastUsedAt > LAST_USED_RESOLUTION_MS) {
    await store.write({
      statements: [
        toStatement(
          db
            .update(apiKeys)
            .set({ lastUsedAt: now })
            .where(
              and(
                eq(apiKeys.id, row.id),
                or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - LAST_USED_RESOLUTION_MS)),
              ),
            ),
        ),
      ],
    });
  }
  return { tenantId: row.tenantId, apiKeyId: row.id };
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

const infoColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
};

/** The tenant's keys, newest first, revoked ones included. Never the hash. */
export async function listApiKeys(
  db: Db,
  tenantId: string,
  page: { limit: number; before?: string | undefined },
): Promise<ApiKeyInfo[]> {
  return db
    .select(infoColumns)
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, tenantId), page.before ? lt(apiKeys.id, page.before) : undefined))
    .orderBy(desc(apiKeys.id))
    .limit(page.limit);
}

/**
 * Revokes a key: from the next request on it answers 401 (authentication reads
 * the database every time, nothing caches a key). Revoking twice keeps the first time.
 */
export async function revokeApiKey(store: Store, tenantId: string, id: string): Promise<ApiKeyInfo> {
  const now = Date.now();
  await commit(store, [
    toStatement(
      store.db
        .update(apiKeys)
        .set({ revokedAt: now })
        .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt))),
    ),
  ]);
  const [row] = await store.db
    .select(infoColumns)
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id)))
    .limit(1);
  if (!row) throw new NotFoundError(`no API key ${id}`);
  return row;
}

/**
 * Authentication with a short in-process memory, so a warm request costs no
 * round trip for its key (a Worker on a remote database pays one per
 * statement). Bound on revocation: a key revoked through this process is
 * refused at once (`forget`); revoked through another process or the CLI, it
 * may be accepted for up to `ttlMs` more (10 s by default, README "HTTP API").
 * Unknown keys are not remembered, so a new key works at once.
 */
export interface ApiKeyAuthenticator {
  authenticate(presented: string): Promise<Principal | null>;
  /** Drops a key from memory (after it is revoked here). */
  forget(apiKeyId: string): void;
}

export const API_KEY_CACHE_MS = 10_000;

export function createApiKeyAuthenticator(
  store: Store,
  options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {},
): ApiKeyAuthenticator {
  const ttlMs = options.ttlMs ?? API_KEY_CACHE_MS;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const remembered = new Map<string, { principal: Principal; until: number }>();
  return {
    async authenticate(presented) {
      if (presented.length < 16 || presented.length > 256) return null;
      // Remembered by hash, so no plaintext key stays in memory past its request.
      const hash = await sha256Hex(presented);
      const entry = remembered.get(hash);
      if (entry && entry.until > now()) return entry.principal;
      remembered.delete(hash);
      const principal = await authenticateApiKey(store, presented);
      if (principal && ttlMs > 0) {
        if (remembered.size >= maxEntries) {
          const oldest = remembered.keys().next();
          if (!oldest.done) remembered.delete(oldest.value);
        }
        remembered.set(hash, { principal, until: now() + ttlMs });
      }
      return principal;
    },
    forget(apiKeyId) {
      for (const [key, entry] of remembered)
        if (entry.principal.apiKeyId === apiKeyId) remembered.delete(key);
    },
  };
}
