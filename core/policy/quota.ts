import type { Db } from "../../db/client";
import { commit, type Store } from "../../db/store";
import { InvalidError, NotFoundError } from "../errors";

/**
 * Per-tenant limits, set by operators: stored messages and bytes. Usage is
 * kept by triggers in the commits that store and delete mail (migration
 * 0015), so reading it is one row; the edge reads it with each uncached
 * recipient (core/tenancy/recipients.ts) and refuses `452 4.2.2` at the limit,
 * so a new limit applies within the recipient cache's 5 s. Deleting mail frees it.
 */
export interface TenantLimits {
  maxMessages: number | null;
  maxBytes: number | null;
}

export interface TenantUsage {
  tenantId: string;
  messages: number;
  bytes: number;
  limits: TenantLimits;
}

export async function getUsage(db: Db, tenantId: string): Promise<TenantUsage> {
  const result = await db.$client.execute({
    sql: `SELECT t.id, t.max_messages, t.max_bytes, u.messages, u.bytes
      FROM tenants t LEFT JOIN tenant_usage u ON u.tenant_id = t.id WHERE t.id = ?`,
    args: [tenantId],
  });
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`no tenant ${tenantId}`);
  return {
    tenantId,
    messages: Number(row.messages ?? 0),
    bytes: Number(row.bytes ?? 0),
    limits: {
      maxMessages: row.max_messages === null ? null : Number(row.max_messages),
      maxBytes: row.max_bytes === null ? null : Number(row.max_bytes),
    },
  };
}

/** Sets a tenant's limits; a field left out keeps its value, null removes that limit. */
export async function setLimits(
  store: Store,
  tenantId: string,
  limits: { maxMessages?: number | null | undefined; maxBytes?: number | null | undefined },
): Promise<TenantUsage> {
  for (const [field, value] of [
    ["max_messages", limits.maxMessages],
    ["max_bytes", limits.maxBytes],
  ] as const) {
    if (value !== undefined && value !== null && (!Number.isSafeInteger(value) || value < 0)) {
      throw new InvalidError(
        `body.limits.${field}`,
        `${field} must be a whole number (0 or more), or null for none`,
      );
    }
  }
  const current = await getUsage(store.db, tenantId);
  await commit(store, [
    {
      sql: "UPDATE tenants SET max_messages = ?, max_bytes = ? WHERE id = ?",
      args: [
        limits.maxMessages === undefined ? current.limits.maxMessages : limits.maxMessages,
        limits.maxBytes === undefined ? current.limits.maxBytes : limits.maxBytes,
        tenantId,
      ],
    },
  ]);
  return getUsage(store.db, tenantId);
}

export function toUsageJson(usage: TenantUsage) {
  return {
    tenant_id: usage.tenantId,
    messages: usage.messages,
    bytes: usage.bytes,
    limits: { max_messages: usage.limits.maxMessages, max_bytes: usage.limits.maxBytes },
  };
}
