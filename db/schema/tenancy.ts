import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Times are Unix epoch milliseconds; the API renders them as ISO 8601. */

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: integer("created_at").notNull(),
  /**
   * The key of the tenant's signed links (core/links/signed-links.ts), kept as
   * webhook secrets are: it must sign, so it cannot be a hash. Rotating it
   * invalidates every link signed before.
   */
  linkKey: text("link_key"),
  linkKeyRotatedAt: integer("link_key_rotated_at"),
  /** The key of the tenant's reply addresses (core/reply-addresses/token.ts), kept as the link key is. */
  replyKey: text("reply_key"),
  /** Operator-set limits (PATCH /admin/tenants/{id}); null: none. Over one, RCPT TO is 452 4.2.2. */
  maxMessages: integer("max_messages"),
  maxBytes: integer("max_bytes"),
});

/** Only the SHA-256 of a key is stored; `prefix` lets a person tell keys apart. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    prefix: text("prefix").notNull(),
    hash: text("hash").notNull(),
    name: text("name").notNull(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (table) => [
    uniqueIndex("api_keys_hash_idx").on(table.hash),
    index("api_keys_tenant_idx").on(table.tenantId),
  ],
);

/** A domain name belongs to one tenant only (unique across tenants). Stored lower case, IDNs as punycode. */
export const domains = sqliteTable(
  "domains",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    createdAt: integer("created_at").notNull(),
    /**
     * When ownership was proven (a DNS TXT record with the token, or an
     * operator's word); null: pending, and mail for it is refused.
     */
    verifiedAt: integer("verified_at"),
    /** The value the TXT record at `_omnimail.<name>` must hold: `omnimail-verification=<token>`. */
    verificationToken: text("verification_token").notNull().default(""),
    /** The tenant's RCPT-time hook: JSON {url, timeout_ms, on_timeout, cache_seconds}; null: none. */
    rcptHook: text("rcpt_hook"),
    /** Its signing secret (`whsec_…`, Standard Webhooks), kept as webhook secrets are. */
    rcptHookSecret: text("rcpt_hook_secret"),
  },
  (table) => [uniqueIndex("domains_name_idx").on(table.name), index("domains_tenant_idx").on(table.tenantId)],
);

/**
 * A subdomain of a verified domain, delegated by the domain's tenant to
 * whichever tenant presents the token (core/tenancy/delegations.ts). The token
 * is stored only as its SHA-256.
 */
export const domainDelegations = sqliteTable(
  "domain_delegations",
  {
    id: text("id").primaryKey(),
    /** The delegating tenant (the parent domain's). */
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    domainId: text("domain_id")
      .notNull()
      .references(() => domains.id),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdAt: integer("created_at").notNull(),
    usedAt: integer("used_at"),
  },
  (table) => [
    index("domain_delegations_domain_idx").on(table.tenantId, table.domainId),
    index("domain_delegations_name_idx").on(table.name),
  ],
);

/**
 * `localPart` is kept as given; `localPartKey` is its lower-case form used for
 * matching (RFC 5321 lets local parts be case-sensitive, but no sender expects it).
 * `*` is the domain's catch-all.
 */
export const mailboxes = sqliteTable(
  "mailboxes",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    domainId: text("domain_id")
      .notNull()
      .references(() => domains.id),
    localPart: text("local_part").notNull(),
    localPartKey: text("local_part_key").notNull(),
    createdAt: integer("created_at").notNull(),
    /** Mail older than this many days is deleted (core/policy/retention.ts); null: kept. */
    retentionDays: integer("retention_days"),
  },
  (table) => [
    uniqueIndex("mailboxes_address_idx").on(table.domainId, table.localPartKey),
    index("mailboxes_tenant_idx").on(table.tenantId),
  ],
);
