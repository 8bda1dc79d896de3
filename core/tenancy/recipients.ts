import type { Db } from "../../db/client";
import { CATCH_ALL, localPartKey, parseEmailAddress, splitSubaddress } from "../addresses";
import { parseRcptHook, type RcptHookConfig } from "../policy/rcpt-hook-config";
import { type Rule, ruleFromRow } from "../policy/rules";

/**
 * Where an envelope recipient goes. Lookup order, as Postfix's virtual maps:
 * the exact local part, then the part before `+` (subaddress, the tag is kept on
 * the message's envelope), then the domain's catch-all `*`.
 */
export type RecipientResolution =
  | {
      kind: "mailbox";
      tenantId: string;
      mailboxId: string;
      domainId: string;
      /** The tag after `+` when the address reached its mailbox by its base (a reply token, or any tag). */
      subaddress: string | null;
      /** The tenant's reply-address key, to check a token-shaped tag (core/reply-addresses/token.ts). */
      replyKey: string | null;
      /** What the tenant decides at the door, read in the same round trip (core/policy/decide.ts). */
      policy: TenantPolicy;
    }
  | { kind: "domain-not-hosted" }
  /** The domain is a tenant's, but its ownership is not proven yet: no mail for it. */
  | { kind: "domain-unverified"; tenantId: string }
  | { kind: "unknown-mailbox"; tenantId: string }
  | { kind: "invalid-address" };

export interface TenantPolicy {
  /** The tenant's rules in evaluation order. */
  rules: Rule[];
  usage: { messages: number; bytes: number };
  limits: { maxMessages: number | null; maxBytes: number | null };
  /** The domain's RCPT-time hook and its signing secret, when it has one. */
  rcptHook: { config: RcptHookConfig; secret: string } | null;
}

/**
 * One round trip for an uncached RCPT on a remote database: a read batch of
 * the domain with its tenant, limits, usage and hook and the candidate
 * mailboxes (LEFT JOINed), and the tenant's rules. The SMTP edge caches a
 * positive answer for 5 s (smtp-edge/recipient-cache.ts), which is how long a
 * rule or limit change may take to apply.
 */
export async function resolveRecipient(db: Db, address: string): Promise<RecipientResolution> {
  const parsed = parseEmailAddress(address);
  if (!parsed) return { kind: "invalid-address" };
  const exact = localPartKey(parsed.localPart);
  const { base, tag } = splitSubaddress(parsed.localPart);
  const candidates = [...new Set([exact, localPartKey(base), CATCH_ALL])];
  const [found, ruleRows] = await db.$client.batch(
    [
      {
        sql: `SELECT d.id AS domain_id, d.tenant_id, d.verified_at, d.rcpt_hook, d.rcpt_hook_secret,
            t.reply_key, t.max_messages, t.max_bytes, u.messages AS used_messages, u.bytes AS used_bytes,
            m.id AS mailbox_id, m.local_part_key
          FROM domains d
          JOIN tenants t ON t.id = d.tenant_id
          LEFT JOIN tenant_usage u ON u.tenant_id = d.tenant_id
          LEFT JOIN mailboxes m ON m.domain_id = d.id AND m.tenant_id = d.tenant_id
            AND m.local_part_key IN (${candidates.map(() => "?").join(", ")})
          WHERE d.name = ?`,
        args: [...candidates, parsed.domain],
      },
      {
        sql: `SELECT r.* FROM rules r JOIN domains d ON d.tenant_id = r.tenant_id WHERE d.name = ?
          ORDER BY r.priority, r.id LIMIT 1000`,
        args: [parsed.domain],
      },
    ],
    "read",
  );
  const rows = found?.rows ?? [];
  const first = rows[0];
  if (!first) return { kind: "domain-not-hosted" };
  const tenantId = String(first.tenant_id);
  if (first.verified_at === null) return { kind: "domain-unverified", tenantId };
  const replyKey = typeof first.reply_key === "string" ? first.reply_key : null;
  const hook = parseRcptHook(first.rcpt_hook);
  const policy: TenantPolicy = {
    rules: (ruleRows?.rows ?? []).map((row) => ruleFromRow(row as Record<string, unknown>)),
    usage: { messages: Number(first.used_messages ?? 0), bytes: Number(first.used_bytes ?? 0) },
    limits: {
      maxMessages: first.max_messages === null ? null : Number(first.max_messages),
      maxBytes: first.max_bytes === null ? null : Number(first.max_bytes),
    },
    rcptHook:
      hook && typeof first.rcpt_hook_secret === "string"
        ? { config: hook, secret: first.rcpt_hook_secret }
        : null,
  };
  for (const candidate of candidates) {
    const match = rows.find((row) => row.local_part_key === candidate);
    if (match) {
      const subaddress = candidate === exact ? null : (tag ?? null);
      return {
        kind: "mailbox",
        tenantId,
        mailboxId: String(match.mailbox_id),
        domainId: String(first.domain_id),
        subaddress,
        replyKey,
        policy,
      };
    }
  }
  return { kind: "unknown-mailbox", tenantId };
}
