import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenants } from "./tenancy";

/**
 * What a tenant decides at the door (issue 19): its rules, evaluated per
 * recipient at RCPT TO (core/policy/rules.ts), and the ledger of every refusal
 * (core/policy/ledger.ts). Quotas are counted in `tenant_usage`, kept by
 * triggers on `messages` (migration 0015), so a check reads one row.
 */
export const rules = sqliteTable(
  "rules",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    /** Lowest first; first match wins. */
    priority: integer("priority").notNull(),
    scopeMailboxId: text("scope_mailbox_id"),
    scopeDomainId: text("scope_domain_id"),
    /** An address or `*@domain`, lower case. */
    matchSender: text("match_sender"),
    matchSenderDomain: text("match_sender_domain"),
    /** A CIDR (v4 or v6), normalised. */
    matchClientIp: text("match_client_ip"),
    matchRcpt: text("match_rcpt"),
    action: text("action", { enum: ["reject", "accept", "quarantine"] }).notNull(),
    reason: text("reason"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [index("rules_tenant_idx").on(table.tenantId, table.priority)],
);

/** Where in the transaction: `connect` for the operator's refusals before any command (limits, errors). */
export const REJECTION_STAGES = ["connect", "mail_from", "rcpt_to", "data"] as const;

/** Every refusal: a tenant's (tenant_id set) or the operator's (null: unhosted domains, limits, protocol). */
export const rejections = sqliteTable(
  "rejections",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id"),
    at: integer("at").notNull(),
    stage: text("stage", { enum: REJECTION_STAGES }).notNull(),
    code: integer("code").notNull(),
    enhancedCode: text("enhanced_code").notNull(),
    /** Why, as a word (`rule`, `mailbox_unknown`, `quota`, …), and the reply's text. */
    reason: text("reason").notNull(),
    detail: text("detail").notNull(),
    mailFrom: text("mail_from"),
    rcptTo: text("rcpt_to"),
    clientIp: text("client_ip"),
    /** Set on the first row of a minute past the per-tenant bound: how many were dropped since. */
    dropped: integer("dropped").notNull().default(0),
  },
  (table) => [
    index("rejections_tenant_idx").on(table.tenantId, table.id),
    index("rejections_at_idx").on(table.at),
  ],
);

/** A tenant's stored messages and bytes, kept by triggers on `messages` (migration 0015). */
export const tenantUsage = sqliteTable("tenant_usage", {
  tenantId: text("tenant_id").primaryKey(),
  messages: integer("messages").notNull().default(0),
  bytes: integer("bytes").notNull().default(0),
});
