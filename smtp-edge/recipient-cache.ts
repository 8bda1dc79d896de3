import type { RecipientResolution } from "../core/tenancy/recipients";

/**
 * Remembers positive recipient lookups for a few seconds, so a burst of mail to
 * the same addresses does not query the database once per RCPT (it matters on a
 * remote libSQL URL). Negative answers are never cached: a mailbox created a
 * moment ago must be reachable at once. A deleted mailbox may keep accepting for
 * up to `ttlMs`; its mail is then stored under the deleted mailbox's id.
 */
export function createRecipientCache(
  lookup: (address: string) => Promise<RecipientResolution>,
  options: { ttlMs: number; maxEntries: number },
) {
  const entries = new Map<string, { value: RecipientResolution; expires: number }>();
  /**
   * A cached answer carries its tenant's rules, limits and hook: a change made
   * through the API of this process drops that tenant's entries at once; one
   * made elsewhere applies when they expire.
   */
  const forgetTenant = (tenantId: string) => {
    for (const [key, entry] of entries) {
      if (entry.value.kind === "mailbox" && entry.value.tenantId === tenantId) entries.delete(key);
    }
  };
  /**
   * Mail was stored for a tenant: when it has a limit, its cached usage is now
   * short of the truth, so its recipients are looked up afresh (a tenant
   * without limits keeps its cache).
   */
  const storedFor = (tenantId: string) => {
    for (const [key, entry] of entries) {
      const value = entry.value;
      if (value.kind !== "mailbox" || value.tenantId !== tenantId) continue;
      const { maxMessages, maxBytes } = value.policy.limits;
      if (maxMessages !== null || maxBytes !== null) entries.delete(key);
    }
  };
  const resolve = async (address: string): Promise<RecipientResolution> => {
    const key = address.toLowerCase();
    const now = Date.now();
    const hit = entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    const value = await lookup(address);
    if (value.kind === "mailbox" && options.ttlMs > 0) {
      if (entries.size >= options.maxEntries) entries.clear();
      entries.set(key, { value, expires: now + options.ttlMs });
    }
    return value;
  };
  return { resolve, forgetTenant, storedFor };
}
