import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { domains, mailboxes, messages, webhookEndpoints } from "../../db/schema";
import { type SqlStatement, toStatement } from "../../db/statements";
import { commit, type Store } from "../../db/store";
import { CATCH_ALL, isValidMailboxLocalPart, localPartKey, parseEmailAddress } from "../addresses";
import { ConflictError, InvalidError, isConstraintViolation, NotFoundError } from "../errors";
import { newId } from "../ids";
import { mailboxMessageDeletions } from "../messages/delete";

export interface Mailbox {
  id: string;
  tenantId: string;
  domainId: string;
  address: string;
  createdAt: number;
  messageCount: number;
  unreadCount: number;
  /** Mail older than this many days is deleted (core/policy/mail-retention.ts); null: kept. */
  retentionDays: number | null;
}

/** Creates `local@domain` (or `*@domain`) on a domain the tenant owns. */
export async function createMailbox(
  store: Store,
  tenantId: string,
  input: { address: string },
): Promise<Omit<Mailbox, "messageCount" | "unreadCount">> {
  const parsed = parseMailboxAddress(input.address);
  const [domain] = await store.db
    .select({ id: domains.id, name: domains.name })
    .from(domains)
    .where(and(eq(domains.tenantId, tenantId), eq(domains.name, parsed.domain)))
    .limit(1);
  if (!domain) {
    throw new InvalidError("body.address", `the domain ${parsed.domain} is not one of this tenant's domains`);
  }
  const { row, statement } = mailboxInsert(store.db, tenantId, domain.id, parsed.localPart);
  try {
    await commit(store, [statement]);
  } catch (error) {
    if (isConstraintViolation(error, "UNIQUE")) {
      throw new ConflictError(`the mailbox ${parsed.localPart}@${domain.name} already exists`, {
        cause: error,
      });
    }
    throw error;
  }
  return {
    id: row.id,
    tenantId,
    domainId: domain.id,
    address: `${parsed.localPart}@${domain.name}`,
    createdAt: row.createdAt,
    retentionDays: null,
  };
}

function parseMailboxAddress(address: string): { localPart: string; domain: string } {
  const parsed = parseEmailAddress(address.trim());
  if (!parsed || !isValidMailboxLocalPart(parsed.localPart))
    throw new InvalidError("body.address", "must be an address like alice@example.com or *@example.com");
  return parsed;
}

/** A new mailbox's row as a statement (for verbs that commit it with others: first start). */
export function mailboxInsert(
  db: Db,
  tenantId: string,
  domainId: string,
  localPart: string,
): { row: typeof mailboxes.$inferInsert & { id: string; createdAt: number }; statement: SqlStatement } {
  const row = {
    id: newId("mailbox"),
    tenantId,
    domainId,
    localPart,
    localPartKey: localPartKey(localPart),
    createdAt: Date.now(),
  };
  return { row, statement: toStatement(db.insert(mailboxes).values(row)) };
}

const mailboxColumns = {
  id: mailboxes.id,
  tenantId: mailboxes.tenantId,
  domainId: mailboxes.domainId,
  address: sql<string>`${mailboxes.localPart} || '@' || ${domains.name}`,
  createdAt: mailboxes.createdAt,
  retentionDays: mailboxes.retentionDays,
  messageCount: sql<number>`(SELECT count(*) FROM ${messages} WHERE ${messages.tenantId} = ${mailboxes.tenantId} AND ${messages.mailboxId} = ${mailboxes.id})`,
  unreadCount: sql<number>`(SELECT count(*) FROM ${messages} WHERE ${messages.tenantId} = ${mailboxes.tenantId} AND ${messages.mailboxId} = ${mailboxes.id} AND ${messages.seen} = 0)`,
};

export async function listMailboxes(
  db: Db,
  tenantId: string,
  page: { limit: number; before?: string | undefined },
): Promise<Mailbox[]> {
  return db
    .select(mailboxColumns)
    .from(mailboxes)
    .innerJoin(domains, eq(domains.id, mailboxes.domainId))
    .where(and(eq(mailboxes.tenantId, tenantId), page.before ? lt(mailboxes.id, page.before) : undefined))
    .orderBy(desc(mailboxes.id))
    .limit(page.limit);
}

export async function getMailbox(db: Db, tenantId: string, id: string): Promise<Mailbox> {
  const [row] = await db
    .select(mailboxColumns)
    .from(mailboxes)
    .innerJoin(domains, eq(domains.id, mailboxes.domainId))
    .where(and(eq(mailboxes.tenantId, tenantId), eq(mailboxes.id, id)))
    .limit(1);
  if (!row) throw new NotFoundError(`no mailbox ${id}`);
  return row;
}

/**
 * Deletes a mailbox and, in the same batch, every message in it with their
 * attachments and search rows: a mailbox is the unit of ownership, so its mail
 * does not outlive it (and can never be reached through another mailbox or
 * tenant). Webhook endpoints filtered to the mailbox must be deleted or
 * re-pointed first: a ConflictError names them, rather than widening them to
 * every mailbox or deleting a tenant's configuration behind its back.
 * Returns how many messages went with it.
 */
export async function deleteMailbox(
  store: Store,
  tenantId: string,
  id: string,
): Promise<{ address: string; deletedMessages: number }> {
  const db = store.db;
  const mailbox = await getMailbox(db, tenantId, id);
  const hooks = await db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.mailboxId, id)))
    .limit(10);
  if (hooks.length > 0) {
    throw new ConflictError(
      `the mailbox ${mailbox.address} is the filter of webhook ${hooks.map((hook) => hook.id).join(", ")}; delete the webhook or change its mailbox_id first`,
    );
  }
  const deletions = mailboxMessageDeletions(tenantId, id, Date.now());
  const results = await commit(
    store,
    [
      ...deletions.statements,
      toStatement(db.delete(mailboxes).where(and(eq(mailboxes.tenantId, tenantId), eq(mailboxes.id, id)))),
    ],
    { announces: true },
  );
  const deleted = results[deletions.messageRowsAt]?.rowsAffected;
  return { address: mailbox.address, deletedMessages: deleted ?? mailbox.messageCount };
}

export { CATCH_ALL };

/** Sets (or with null clears) how many days a mailbox keeps mail. Another tenant's mailbox is NotFound. */
export async function setMailboxRetention(
  store: Store,
  tenantId: string,
  id: string,
  retentionDays: number | null,
): Promise<Mailbox> {
  if (
    retentionDays !== null &&
    (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 36_500)
  ) {
    throw new InvalidError(
      "body.retention_days",
      "retention_days must be a whole number of days from 1 to 36500, or null",
    );
  }
  await getMailbox(store.db, tenantId, id);
  await commit(store, [
    toStatement(
      store.db
        .update(mailboxes)
        .set({ retentionDays })
        .where(and(eq(mailboxes.tenantId, tenantId), eq(mailboxes.id, id))),
    ),
  ]);
  return getMailbox(store.db, tenantId, id);
}
