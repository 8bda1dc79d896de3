import { InvalidError } from "../core/errors";
import { isId } from "../core/ids";
import { getMessage, getRawMessage, listMessages } from "../core/messages/read";
import { reparseMessages } from "../core/messages/reparse";
import { listRejections } from "../core/policy/ledger";
import { getUsage, setLimits, type TenantUsage, toUsageJson } from "../core/policy/quota";
import { createRule, deleteRule, listRules, RULE_ACTIONS } from "../core/policy/rules";
import { type ApiKeyJson, toApiKeyJson, toCreatedApiKeyJson } from "../core/resources/api-keys";
import { type DomainJson, toDomainJson } from "../core/resources/domains";
import { type MailboxJson, toMailboxJson } from "../core/resources/mailboxes";
import {
  type Links,
  type MessageSummaryJson,
  toMessageJson,
  toMessageSummaryJson,
} from "../core/resources/messages";
import { type TenantJson, toCreatedTenantJson, toTenantJson } from "../core/resources/tenants";
import {
  type DeliveryJson,
  toDeliveryJson,
  toWebhookJson,
  type WebhookJson,
} from "../core/resources/webhooks";
import { createApiKey, listApiKeys, revokeApiKey } from "../core/tenancy/api-keys";
import { createDomain, deleteDomain, listDomains, markDomainVerified } from "../core/tenancy/domains";
import { createMailbox, deleteMailbox, getMailbox, listMailboxes } from "../core/tenancy/mailboxes";
import { createTenant, getTenant, listTenants } from "../core/tenancy/tenants";
import {
  createEndpoint,
  deleteEndpoint,
  listDeliveries,
  listEndpoints,
  queueTestEvent,
  retryDelivery,
} from "../core/webhooks/endpoints";
import type { UrlGuardOptions } from "../core/webhooks/url-guard";
import type { Db } from "../db/client";
import type { Store } from "../db/store";
import { type Column, formatMessage, formatTable, printable } from "./output";

/**
 * Every CLI command: the same core verbs the API calls, straight on the
 * database. JSON output uses the API's shapes (the serializers of core/resources/),
 * so scripts can switch between them.
 */

export interface CommandContext {
  /** Reads. */
  db: Db;
  /** Every write commits through it (inline: the CLI has no writer thread). */
  store: Store;
  /** Positional arguments after `<resource> <verb>`. */
  args: string[];
  name: string | undefined;
  /** `--mailbox <id>`: the mailbox of `messages list`; a webhook's mailbox filter. */
  mailbox: string | undefined;
  /** `--limit <n>` and `--before <message id>`: one page of `messages list`. */
  limit: string | undefined;
  before: string | undefined;
  /** Where the URLs in message JSON point (OMNIMAIL_PUBLIC_URL), as in the API's answers. */
  links: Links;
  /** Webhook URL checks, as the API applies them. */
  webhookGuard: UrlGuardOptions;
  /** The tenant of `--tenant`, or the only one when there is exactly one. */
  tenantId(): Promise<string>;
  /** The other `--name value` options of a command (rules, limits, reparse, rejections). */
  options: Record<string, string | undefined>;
}

const ruleColumns: Column<{ id: string; priority: number; action: string; match: string; reason: string }>[] =
  [
    { header: "ID", value: (row) => row.id },
    { header: "PRIORITY", value: (row) => String(row.priority) },
    { header: "ACTION", value: (row) => row.action },
    { header: "MATCH", value: (row) => row.match },
    { header: "REASON", value: (row) => row.reason },
  ];

const rejectionColumns: Column<{
  at: string;
  stage: string;
  reply: string;
  reason: string;
  rcpt_to: string;
  client_ip: string;
}>[] = [
  { header: "AT", value: (row) => row.at },
  { header: "STAGE", value: (row) => row.stage },
  { header: "REPLY", value: (row) => row.reply },
  { header: "REASON", value: (row) => row.reason },
  { header: "RCPT TO", value: (row) => row.rcpt_to },
  { header: "CLIENT", value: (row) => row.client_ip },
];

function usageText(usage: TenantUsage): string {
  const limit = (value: number | null) => (value === null ? "no limit" : String(value));
  return `messages ${usage.messages} (${limit(usage.limits.maxMessages)}), bytes ${usage.bytes} (${limit(usage.limits.maxBytes)})`;
}

export interface CommandResult {
  json: unknown;
  text: string;
  /** Written to stdout exactly as they are, instead of `json` or `text` (`messages raw`). */
  bytes?: Uint8Array;
}

export interface Command {
  usage: string;
  run(ctx: CommandContext): Promise<CommandResult>;
}

/** Usage mistakes: printed with the usage, exit code 2. Arguments are checked before the tenant is looked up. */
export class UsageError extends Error {}

function argument(ctx: CommandContext, index: number, what: string): string {
  const value = ctx.args[index];
  if (value === undefined || value === "") throw new UsageError(`missing ${what}`);
  return value;
}

/** A message id argument, checked before the tenant is looked up. */
function messageIdArgument(ctx: CommandContext, index: number): string {
  const id = argument(ctx, index, "<message id>");
  if (!isId("message", id)) throw new UsageError(`not a message id: ${id} (they look like msg_01J…)`);
  return id;
}

/** Messages per page of `messages list`: a screenful by default, at most what the API allows. */
const MESSAGE_PAGE = { default: 20, max: 100 };

function pageLimit(given: string | undefined): number {
  if (given === undefined) return MESSAGE_PAGE.default;
  const limit = Number(given);
  if (!Number.isInteger(limit) || limit < 1 || limit > MESSAGE_PAGE.max) {
    throw new UsageError(`--limit must be a whole number from 1 to ${MESSAGE_PAGE.max}`);
  }
  return limit;
}

/** Every row of a newest-first list, page by page. */
async function everyRow<T extends { id: string }>(
  page: (query: { limit: number; before?: string | undefined }) => Promise<T[]>,
): Promise<T[]> {
  const rows: T[] = [];
  for (;;) {
    const batch = await page({ limit: 100, before: rows[rows.length - 1]?.id });
    rows.push(...batch);
    if (batch.length < 100) return rows;
  }
}

const tenantColumns: Column<TenantJson>[] = [
  { header: "ID", value: (row) => row.id },
  { header: "NAME", value: (row) => row.name },
  { header: "CREATED", value: (row) => row.created_at },
];
const keyColumns: Column<ApiKeyJson>[] = [
  { header: "ID", value: (row) => row.id },
  { header: "NAME", value: (row) => row.name },
  { header: "PREFIX", value: (row) => row.prefix },
  { header: "CREATED", value: (row) => row.created_at },
  { header: "LAST USED", value: (row) => row.last_used_at },
  { header: "REVOKED", value: (row) => row.revoked_at },
];
const domainColumns: Column<DomainJson>[] = [
  { header: "ID", value: (row) => row.id },
  { header: "NAME", value: (row) => row.name },
  { header: "VERIFIED", value: (row) => (row.verified ? "yes" : "pending") },
  { header: "CREATED", value: (row) => row.created_at },
];
const webhookColumns: Column<WebhookJson>[] = [
  { header: "ID", value: (row) => row.id },
  { header: "URL", value: (row) => row.url },
  { header: "EVENTS", value: (row) => row.events.join(",") },
  { header: "MAILBOX", value: (row) => row.mailbox_id },
  { header: "ENABLED", value: (row) => (row.enabled ? "yes" : `no (${row.disabled_reason ?? "disabled"})`) },
];
const deliveryColumns: Column<DeliveryJson>[] = [
  { header: "ID", value: (row) => row.id },
  { header: "EVENT", value: (row) => row.event_type },
  { header: "STATUS", value: (row) => row.status },
  { header: "ATTEMPTS", value: (row) => row.attempts },
  { header: "LAST", value: (row) => row.last_status ?? row.last_error },
  { header: "NEXT", value: (row) => row.next_attempt_at },
];
const mailboxColumns: Column<MailboxJson>[] = [
  { header: "ID", value: (row) => row.id },
  { header: "ADDRESS", value: (row) => row.address },
  { header: "MESSAGES", value: (row) => row.message_count },
  { header: "UNREAD", value: (row) => row.unread_count },
  { header: "CREATED", value: (row) => row.created_at },
];

const messageColumns: Column<MessageSummaryJson>[] = [
  { header: "ID", value: (row) => row.id },
  { header: "RECEIVED", value: (row) => row.received_at },
  { header: "FROM", value: (row) => (row.from ? printable(row.from.address, 40) : null) },
  { header: "SUBJECT", value: (row) => (row.subject === null ? null : printable(row.subject, 60)) },
  { header: "SIZE", value: (row) => row.size },
  { header: "ATT", value: (row) => row.attachment_count },
  { header: "SEEN", value: (row) => (row.seen ? "yes" : "no") },
];

export const COMMANDS: Record<string, Record<string, Command>> = {
  webhooks: {
    list: {
      usage: "webhooks list [--tenant <id>]",
      async run(ctx) {
        const tenantId = await ctx.tenantId();
        const rows = (await everyRow((page) => listEndpoints(ctx.db, tenantId, page))).map((row) =>
          toWebhookJson(row),
        );
        return { json: { data: rows }, text: formatTable(rows, webhookColumns) };
      },
    },
    create: {
      usage: "webhooks create <url> [--mailbox <mailbox id>] [--tenant <id>]",
      async run(ctx) {
        const url = argument(ctx, 0, "<url>");
        const endpoint = await createEndpoint(
          ctx.store,
          await ctx.tenantId(),
          { url, mailboxId: ctx.mailbox },
          ctx.webhookGuard,
        );
        const json = toWebhookJson(endpoint, true);
        const text = `${formatTable([json], webhookColumns)}\n\nSigning secret (shown once, keep it): ${endpoint.secret}`;
        return { json, text };
      },
    },
    delete: {
      usage: "webhooks delete <webhook id> [--tenant <id>]",
      async run(ctx) {
        const id = argument(ctx, 0, "<webhook id>");
        await deleteEndpoint(ctx.store, await ctx.tenantId(), id);
        return { json: { id, deleted: true }, text: `deleted webhook ${id}` };
      },
    },
    test: {
      usage: "webhooks test <webhook id> [--tenant <id>]",
      async run(ctx) {
        const id = argument(ctx, 0, "<webhook id>");
        const deliveryId = await queueTestEvent(ctx.store, await ctx.tenantId(), id);
        return {
          json: { delivery_id: deliveryId },
          text: `queued webhook.test as ${deliveryId}; a running OmniMail sends it within a second`,
        };
      },
    },
    deliveries: {
      usage: "webhooks deliveries <webhook id> [--tenant <id>]",
      async run(ctx) {
        const id = argument(ctx, 0, "<webhook id>");
        const rows = (await listDeliveries(ctx.db, await ctx.tenantId(), id, { limit: 100 })).map(
          toDeliveryJson,
        );
        return { json: { data: rows }, text: formatTable(rows, deliveryColumns) };
      },
    },
    retry: {
      usage: "webhooks retry <webhook id> <delivery id> [--tenant <id>]",
      async run(ctx) {
        const id = argument(ctx, 0, "<webhook id>");
        const deliveryId = argument(ctx, 1, "<delivery id>");
        await retryDelivery(ctx.store, await ctx.tenantId(), id, deliveryId);
        return { json: { delivery_id: deliveryId }, text: `queued ${deliveryId} again` };
      },
    },
  },
  tenants: {
    list: {
      usage: "tenants list",
      async run({ db }) {
        const rows = (await everyRow((page) => listTenants(db, page))).map(toTenantJson);
        return { json: { data: rows }, text: formatTable(rows, tenantColumns) };
      },
    },
    create: {
      usage: "tenants create <name>",
      async run(ctx) {
        const { tenant, apiKey } = await createTenant(ctx.store, { name: argument(ctx, 0, "<name>") });
        const json = toCreatedTenantJson(tenant, apiKey);
        const text = `${formatTable([json], tenantColumns)}\n\nAPI key (shown once, keep it): ${apiKey.key}`;
        return { json, text };
      },
    },
  },
  keys: {
    list: {
      usage: "keys list [--tenant <id>]",
      async run(ctx) {
        const tenantId = await ctx.tenantId();
        const rows = (await everyRow((page) => listApiKeys(ctx.db, tenantId, page))).map(toApiKeyJson);
        return { json: { data: rows }, text: formatTable(rows, keyColumns) };
      },
    },
    create: {
      usage: "keys create [--name <name>] [--tenant <id>]",
      async run(ctx) {
        const tenantId = await ctx.tenantId();
        const created = await createApiKey(ctx.store, { tenantId, name: ctx.name ?? "cli" });
        const json = toCreatedApiKeyJson(created);
        const text = `${formatTable([json], keyColumns)}\n\nAPI key (shown once, keep it): ${created.key}`;
        return { json, text };
      },
    },
    revoke: {
      usage: "keys revoke <key id> [--tenant <id>]",
      async run(ctx) {
        const id = argument(ctx, 0, "<key id>");
        const row = toApiKeyJson(await revokeApiKey(ctx.store, await ctx.tenantId(), id));
        return { json: row, text: `revoked ${row.id} (${row.prefix}…) at ${row.revoked_at}` };
      },
    },
  },
  domains: {
    list: {
      usage: "domains list [--tenant <id>]",
      async run(ctx) {
        const tenantId = await ctx.tenantId();
        const rows = (await everyRow((page) => listDomains(ctx.db, tenantId, page))).map(toDomainJson);
        return { json: { data: rows }, text: formatTable(rows, domainColumns) };
      },
    },
    create: {
      usage: "domains create <name> [--tenant <id>]",
      async run(ctx) {
        const name = argument(ctx, 0, "<name>");
        const row = toDomainJson(await createDomain(ctx.store, await ctx.tenantId(), { name }));
        const proof = row.verification
          ? `\npending: publish TXT ${row.verification.name} "${row.verification.value}", then POST /v1/domains/${row.id}/verify\n(or, as the operator: npm run omnimail -- domains verify ${row.id})`
          : "";
        return { json: row, text: `${formatTable([row], domainColumns)}${proof}` };
      },
    },
    verify: {
      usage: "domains verify <domain id>",
      // The operator vouches for it (as POST /admin/domains/{id}/verify does): no DNS, any tenant's domain.
      async run(ctx) {
        const id = argument(ctx, 0, "<domain id>");
        const row = toDomainJson(await markDomainVerified(ctx.store, id));
        return { json: row, text: formatTable([row], domainColumns) };
      },
    },
    delete: {
      usage: "domains delete <domain id> [--tenant <id>]",
      async run(ctx) {
        const id = argument(ctx, 0, "<domain id>");
        await deleteDomain(ctx.store, await ctx.tenantId(), id);
        return { json: { id, deleted: true }, text: `deleted domain ${id}` };
      },
    },
  },
  mailboxes: {
    list: {
      usage: "mailboxes list [--tenant <id>]",
      async run(ctx) {
        const tenantId = await ctx.tenantId();
        const rows = (await everyRow((page) => listMailboxes(ctx.db, tenantId, page))).map(toMailboxJson);
        return { json: { data: rows }, text: formatTable(rows, mailboxColumns) };
      },
    },
    create: {
      usage: "mailboxes create <address> [--tenant <id>]",
      async run(ctx) {
        const address = argument(ctx, 0, "<address>");
        const tenantId = await ctx.tenantId();
        const created = await createMailbox(ctx.store, tenantId, { address });
        const row = toMailboxJson(await getMailbox(ctx.db, tenantId, created.id));
        return { json: row, text: formatTable([row], mailboxColumns) };
      },
    },
    delete: {
      usage: "mailboxes delete <mailbox id> [--tenant <id>]",
      async run(ctx) {
        const id = argument(ctx, 0, "<mailbox id>");
        const { address, deletedMessages } = await deleteMailbox(ctx.store, await ctx.tenantId(), id);
        return {
          json: { id, address, deleted: true, deleted_messages: deletedMessages },
          text: `deleted mailbox ${address} (${id}) and its ${deletedMessages} message${deletedMessages === 1 ? "" : "s"}`,
        };
      },
    },
  },
  rules: {
    list: {
      usage: "rules list [--tenant <id>]",
      async run(ctx) {
        const rules = await listRules(ctx.db, await ctx.tenantId());
        const rows = rules.map((rule) => ({
          id: rule.id,
          priority: rule.priority,
          action: rule.action,
          match: Object.entries(rule.match)
            .filter(([, value]) => value !== null)
            .map(([key, value]) => `${key}=${value}`)
            .join(" "),
          reason: rule.reason ?? "",
        }));
        return { json: { data: rules }, text: formatTable(rows, ruleColumns) };
      },
    },
    add: {
      usage:
        "rules add <reject|accept|quarantine> [--sender <addr|*@domain>] [--sender-domain <d>] [--client-ip <cidr>] [--rcpt <addr>] [--priority <n>] [--reason <text>] [--tenant <id>]",
      async run(ctx) {
        const action = argument(ctx, 0, "<reject|accept|quarantine>");
        if (!(RULE_ACTIONS as readonly string[]).includes(action)) {
          throw new UsageError(`the action is one of ${RULE_ACTIONS.join(", ")}`);
        }
        const priority = ctx.options.priority === undefined ? undefined : Number(ctx.options.priority);
        const rule = await createRule(ctx.store, await ctx.tenantId(), {
          action: action as (typeof RULE_ACTIONS)[number],
          priority,
          reason: ctx.options.reason,
          match: {
            sender: ctx.options.sender,
            sender_domain: ctx.options["sender-domain"],
            client_ip: ctx.options["client-ip"],
            rcpt: ctx.options.rcpt,
          },
        });
        return { json: rule, text: `added ${rule.id} (priority ${rule.priority}: ${rule.action})` };
      },
    },
    remove: {
      usage: "rules remove <rule id> [--tenant <id>]",
      async run(ctx) {
        const id = argument(ctx, 0, "<rule id>");
        await deleteRule(ctx.store, await ctx.tenantId(), id);
        return { json: { deleted: id }, text: `deleted ${id}` };
      },
    },
  },
  rejections: {
    list: {
      usage:
        "rejections list [--tenant <id>] [--limit <n>]   (without --tenant: the operator's: unhosted domains, limits, protocol)",
      async run(ctx) {
        const tenantId = ctx.options.tenant ?? null;
        const rows = await listRejections(ctx.db, tenantId, { limit: pageLimit(ctx.limit) });
        const table = rows.map((row) => ({
          at: new Date(row.at).toISOString(),
          stage: row.stage,
          reply: `${row.code} ${row.enhancedCode}`,
          reason: row.reason,
          rcpt_to: row.rcptTo ?? "",
          client_ip: row.clientIp ?? "",
        }));
        return { json: { data: rows }, text: formatTable(table, rejectionColumns) };
      },
    },
  },
  limits: {
    set: {
      usage: "limits set [--max-messages <n|none>] [--max-bytes <n|none>] [--tenant <id>]",
      async run(ctx) {
        const parse = (value: string | undefined, name: string) => {
          if (value === undefined) return undefined;
          if (value === "none") return null;
          const number = Number(value);
          if (!Number.isSafeInteger(number) || number < 0)
            throw new UsageError(`${name} must be a whole number or none`);
          return number;
        };
        const usage = await setLimits(ctx.store, await ctx.tenantId(), {
          maxMessages: parse(ctx.options["max-messages"], "--max-messages"),
          maxBytes: parse(ctx.options["max-bytes"], "--max-bytes"),
        });
        return { json: toUsageJson(usage), text: usageText(usage) };
      },
    },
    show: {
      usage: "limits show [--tenant <id>]",
      async run(ctx) {
        const usage = await getUsage(ctx.db, await ctx.tenantId());
        return { json: toUsageJson(usage), text: usageText(usage) };
      },
    },
  },
  messages: {
    reparse: {
      usage: "messages reparse [--mailbox <id>] [--since <ISO time>] [--tenant <id>]",
      async run(ctx) {
        const since = ctx.options.since === undefined ? undefined : Date.parse(ctx.options.since);
        if (since !== undefined && Number.isNaN(since))
          throw new UsageError("--since must be an ISO 8601 time");
        const result = await reparseMessages(
          ctx.store,
          { tenantId: await ctx.tenantId(), mailboxId: ctx.mailbox, since },
          { onProgress: (done, total) => process.stderr.write(`reparsed ${done} of ${total}\n`) },
        );
        return { json: result, text: `reparsed ${result.reparsed} messages` };
      },
    },
    list: {
      usage: "messages list --mailbox <mailbox id> [--limit <n>] [--before <message id>] [--tenant <id>]",
      async run(ctx) {
        const mailboxId = ctx.mailbox;
        if (!mailboxId) throw new UsageError("missing --mailbox <mailbox id> (see `mailboxes list`)");
        const limit = pageLimit(ctx.limit);
        if (ctx.before !== undefined && !isId("message", ctx.before)) {
          throw new UsageError(`--before must be a message id (got ${ctx.before})`);
        }
        // One more than the page: it only says whether there is a next one.
        const rows = await listMessages(ctx.db, await ctx.tenantId(), mailboxId, {
          limit: limit + 1,
          before: ctx.before,
        });
        const data = rows.slice(0, limit).map((row) => toMessageSummaryJson(row, ctx.links));
        const nextBefore = rows.length > limit ? (data[data.length - 1]?.id ?? null) : null;
        const more = nextBefore ? `\n\nolder messages: add --before ${nextBefore}` : "";
        return {
          json: { data, next_before: nextBefore },
          text: `${formatTable(data, messageColumns)}${more}`,
        };
      },
    },
    show: {
      usage: "messages show <message id> [--tenant <id>]",
      async run(ctx) {
        const id = messageIdArgument(ctx, 0);
        const json = toMessageJson(await getMessage(ctx.db, await ctx.tenantId(), id), ctx.links);
        return { json, text: formatMessage(json) };
      },
    },
    raw: {
      usage: "messages raw <message id> [--tenant <id>]   (the stored bytes, message/rfc822, on stdout)",
      async run(ctx) {
        const id = messageIdArgument(ctx, 0);
        const bytes = await getRawMessage(ctx.db, await ctx.tenantId(), id);
        return { json: null, text: "", bytes };
      },
    },
  },
};

/** `--tenant`, or the only tenant there is. */
export async function resolveTenantId(db: Db, given: string | undefined): Promise<string> {
  if (given) return (await getTenant(db, given)).id;
  const tenants = await listTenants(db, { limit: 2 });
  const [only] = tenants;
  if (only && tenants.length === 1) return only.id;
  throw new InvalidError(
    "--tenant",
    tenants.length === 0
      ? "there are no tenants yet: create one with `tenants create <name>`"
      : "there are several tenants: pass --tenant <id> (see `tenants list`)",
  );
}
