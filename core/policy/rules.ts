import type { InValue } from "@libsql/client";
import type { Db } from "../../db/client";
import { commit, type Store } from "../../db/store";
import { parseEmailAddress } from "../addresses";
import { InvalidError, NotFoundError } from "../errors";
import { newId } from "../ids";
import { type Cidr, cidrContains, formatCidr, parseCidr } from "./cidr";

/**
 * A tenant's rules at the door: evaluated per recipient at RCPT TO (MAIL FROM
 * and the client address are known then), lowest priority first, first match
 * wins; no match leaves today's behaviour. Every field of `match` that is set
 * must match; none set matches every recipient in scope.
 *   reject     → 550 5.7.1 <reason>, before DATA
 *   accept     → accepted; later rules and the RCPT hook are not asked
 *   quarantine → stored with `quarantined: true`, no webhook until released
 */

export const RULE_ACTIONS = ["reject", "accept", "quarantine"] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

export interface Rule {
  id: string;
  tenantId: string;
  priority: number;
  scope: { mailboxId: string | null; domainId: string | null };
  match: { sender: string | null; senderDomain: string | null; clientIp: string | null; rcpt: string | null };
  action: RuleAction;
  reason: string | null;
  createdAt: number;
  updatedAt: number;
}

/** What a recipient is checked with. */
export interface RuleContext {
  mailFrom: string;
  rcptTo: string;
  clientIp: string | null;
  mailboxId: string;
  domainId: string;
}

/** Reasons go into an SMTP reply line: printable ASCII, one line. */
const REPLY_TEXT = /^[\x20-\x7e]{1,200}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** `alice@x.test` or `*@x.test`, lower case; null when it is neither. */
function addressPattern(value: string): string | null {
  const lower = value.trim().toLowerCase();
  if (lower.startsWith("*@")) return DOMAIN.test(lower.slice(2)) ? lower : null;
  return parseEmailAddress(lower) ? lower : null;
}

function matchesAddress(pattern: string, address: string): boolean {
  const lower = address.toLowerCase();
  if (pattern.startsWith("*@")) return lower.endsWith(pattern.slice(1));
  if (lower === pattern) return true;
  // alice@x matches alice+tag@x as well.
  const at = lower.lastIndexOf("@");
  const plus = lower.indexOf("+");
  return plus > 0 && plus < at && `${lower.slice(0, plus)}${lower.slice(at)}` === pattern;
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1).toLowerCase();
}

const cidrs = new Map<string, Cidr | null>();
function cidrOf(text: string): Cidr | null {
  let parsed = cidrs.get(text);
  if (parsed === undefined) {
    parsed = parseCidr(text);
    if (cidrs.size > 10_000) cidrs.clear();
    cidrs.set(text, parsed);
  }
  return parsed;
}

export function ruleMatches(rule: Rule, context: RuleContext): boolean {
  if (rule.scope.mailboxId && rule.scope.mailboxId !== context.mailboxId) return false;
  if (rule.scope.domainId && rule.scope.domainId !== context.domainId) return false;
  const { sender, senderDomain, clientIp, rcpt } = rule.match;
  // The null sender (bounces) has no address to match.
  if (sender && (context.mailFrom === "" || !matchesAddress(sender, context.mailFrom))) return false;
  if (senderDomain) {
    const domain = context.mailFrom === "" ? "" : domainOf(context.mailFrom);
    if (domain !== senderDomain && !domain.endsWith(`.${senderDomain}`)) return false;
  }
  if (clientIp) {
    const block = cidrOf(clientIp);
    if (!block || !context.clientIp || !cidrContains(block, context.clientIp)) return false;
  }
  if (rcpt && !matchesAddress(rcpt, context.rcptTo)) return false;
  return true;
}

/** The first rule that matches (rules sorted by priority, then id), or null. */
export function firstMatchingRule(rules: readonly Rule[], context: RuleContext): Rule | null {
  for (const rule of rules) if (ruleMatches(rule, context)) return rule;
  return null;
}

export interface RuleInput {
  priority?: number | undefined;
  scope?: { mailbox_id?: string | null | undefined; domain_id?: string | null | undefined } | undefined;
  match?:
    | {
        sender?: string | null | undefined;
        sender_domain?: string | null | undefined;
        client_ip?: string | null | undefined;
        rcpt?: string | null | undefined;
      }
    | undefined;
  action?: RuleAction | undefined;
  reason?: string | null | undefined;
}

/** The stored columns of a rule from API input, checked field by field (422 naming the field). */
async function columnsOf(db: Db, tenantId: string, input: RuleInput, base: Rule | null) {
  const scope = {
    mailboxId:
      input.scope?.mailbox_id !== undefined ? input.scope.mailbox_id : (base?.scope.mailboxId ?? null),
    domainId: input.scope?.domain_id !== undefined ? input.scope.domain_id : (base?.scope.domainId ?? null),
  };
  const match = { ...(base?.match ?? { sender: null, senderDomain: null, clientIp: null, rcpt: null }) };
  if (input.match?.sender !== undefined) {
    match.sender = input.match.sender === null ? null : addressPattern(input.match.sender);
    if (input.match.sender !== null && !match.sender) {
      throw new InvalidError("body.match.sender", "must be an address (alice@example.com) or *@domain");
    }
  }
  if (input.match?.rcpt !== undefined) {
    match.rcpt = input.match.rcpt === null ? null : addressPattern(input.match.rcpt);
    if (input.match.rcpt !== null && !match.rcpt) {
      throw new InvalidError("body.match.rcpt", "must be an address (sales@acme.test) or *@domain");
    }
  }
  if (input.match?.sender_domain !== undefined) {
    const domain = input.match.sender_domain?.trim().toLowerCase().replace(/\.$/, "") ?? null;
    if (domain !== null && !DOMAIN.test(domain)) {
      throw new InvalidError("body.match.sender_domain", "must be a domain name such as example.com");
    }
    match.senderDomain = domain;
  }
  if (input.match?.client_ip !== undefined) {
    const block = input.match.client_ip === null ? null : parseCidr(input.match.client_ip);
    if (input.match.client_ip !== null && !block) {
      throw new InvalidError(
        "body.match.client_ip",
        "must be an IPv4 or IPv6 address or CIDR, e.g. 192.0.2.0/24",
      );
    }
    match.clientIp = block ? formatCidr(block) : null;
  }
  const priority = input.priority ?? base?.priority ?? 100;
  if (!Number.isInteger(priority) || priority < 0 || priority > 1_000_000) {
    throw new InvalidError("body.priority", "must be a whole number from 0 to 1000000 (lowest first)");
  }
  const action = input.action ?? base?.action;
  if (!action) throw new InvalidError("body.action", "is required: reject, accept or quarantine");
  const reason = input.reason !== undefined ? input.reason : (base?.reason ?? null);
  if (reason !== null && !REPLY_TEXT.test(reason)) {
    throw new InvalidError(
      "body.reason",
      "must be 1-200 printable ASCII characters on one line (it is sent in the SMTP reply)",
    );
  }
  // The scope must be the tenant's own.
  const checks: Array<{ sql: string; args: InValue[]; location: string; what: string }> = [];
  if (scope.mailboxId) {
    checks.push({
      sql: "SELECT 1 FROM mailboxes WHERE tenant_id = ? AND id = ?",
      args: [tenantId, scope.mailboxId],
      location: "body.scope.mailbox_id",
      what: `no mailbox ${scope.mailboxId}`,
    });
  }
  if (scope.domainId) {
    checks.push({
      sql: "SELECT 1 FROM domains WHERE tenant_id = ? AND id = ?",
      args: [tenantId, scope.domainId],
      location: "body.scope.domain_id",
      what: `no domain ${scope.domainId}`,
    });
  }
  for (const check of checks) {
    const found = await db.$client.execute({ sql: check.sql, args: check.args });
    if (found.rows.length === 0) throw new InvalidError(check.location, check.what);
  }
  return { priority, scope, match, action, reason };
}

export function ruleFromRow(row: Record<string, unknown>): Rule {
  const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
  return {
    id: String(row.id),
    tenantId: String(row.tenant_id),
    priority: Number(row.priority),
    scope: { mailboxId: text(row.scope_mailbox_id), domainId: text(row.scope_domain_id) },
    match: {
      sender: text(row.match_sender),
      senderDomain: text(row.match_sender_domain),
      clientIp: text(row.match_client_ip),
      rcpt: text(row.match_rcpt),
    },
    action: String(row.action) as RuleAction,
    reason: text(row.reason),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** Rules in evaluation order. */
export const RULE_ORDER = "ORDER BY priority, id";

/** A page of rules in evaluation order, after the rule `after` (its priority, then id). */
export async function listRules(
  db: Db,
  tenantId: string,
  page: { limit: number; after?: string | undefined } = { limit: MAX_RULES_PER_TENANT },
): Promise<Rule[]> {
  const result = await db.$client.execute({
    sql: `SELECT * FROM rules WHERE tenant_id = ?
      ${page.after ? "AND (priority, id) > ((SELECT priority FROM rules WHERE tenant_id = ? AND id = ?), ?)" : ""}
      ${RULE_ORDER} LIMIT ?`,
    args: page.after ? [tenantId, tenantId, page.after, page.after, page.limit] : [tenantId, page.limit],
  });
  return result.rows.map((row) => ruleFromRow(row as Record<string, unknown>));
}

export async function getRule(db: Db, tenantId: string, id: string): Promise<Rule> {
  const result = await db.$client.execute({
    sql: "SELECT * FROM rules WHERE tenant_id = ? AND id = ?",
    args: [tenantId, id],
  });
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`no rule ${id}`);
  return ruleFromRow(row as Record<string, unknown>);
}

/** The columns a rule's input sets, in this order, and their values (one list for insert and update). */
const RULE_COLUMNS = [
  "priority",
  "scope_mailbox_id",
  "scope_domain_id",
  "match_sender",
  "match_sender_domain",
  "match_client_ip",
  "match_rcpt",
  "action",
  "reason",
];

function ruleValues(columns: Awaited<ReturnType<typeof columnsOf>>): InValue[] {
  return [
    columns.priority,
    columns.scope.mailboxId,
    columns.scope.domainId,
    columns.match.sender,
    columns.match.senderDomain,
    columns.match.clientIp,
    columns.match.rcpt,
    columns.action,
    columns.reason,
  ];
}

/** At most this many rules per tenant: every RCPT of the tenant evaluates them. */
export const MAX_RULES_PER_TENANT = 1000;

export async function createRule(store: Store, tenantId: string, input: RuleInput): Promise<Rule> {
  const columns = await columnsOf(store.db, tenantId, input, null);
  const now = Date.now();
  const id = newId("rule");
  const results = await commit(store, [
    {
      sql: `INSERT INTO rules (id, tenant_id, ${RULE_COLUMNS.join(", ")}, created_at, updated_at)
        SELECT ?, ?, ${RULE_COLUMNS.map(() => "?").join(", ")}, ?, ?
        WHERE (SELECT count(*) FROM rules WHERE tenant_id = ?) < ?`,
      args: [id, tenantId, ...ruleValues(columns), now, now, tenantId, MAX_RULES_PER_TENANT],
    },
  ]);
  if ((results[0]?.rowsAffected ?? 0) === 0) {
    throw new InvalidError(
      "body",
      `a tenant may have at most ${MAX_RULES_PER_TENANT} rules; delete one first`,
    );
  }
  return getRule(store.db, tenantId, id);
}

export async function updateRule(
  store: Store,
  tenantId: string,
  id: string,
  input: RuleInput,
): Promise<Rule> {
  const base = await getRule(store.db, tenantId, id);
  const columns = await columnsOf(store.db, tenantId, input, base);
  await commit(store, [
    {
      sql: `UPDATE rules SET ${RULE_COLUMNS.map((column) => `${column} = ?`).join(", ")}, updated_at = ?
        WHERE tenant_id = ? AND id = ?`,
      args: [...ruleValues(columns), Date.now(), tenantId, id],
    },
  ]);
  return getRule(store.db, tenantId, id);
}

export async function deleteRule(store: Store, tenantId: string, id: string): Promise<void> {
  const results = await commit(store, [
    { sql: "DELETE FROM rules WHERE tenant_id = ? AND id = ?", args: [tenantId, id] },
  ]);
  if ((results[0]?.rowsAffected ?? 0) === 0) throw new NotFoundError(`no rule ${id}`);
}
