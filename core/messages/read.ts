import { and, asc, Column, desc, eq, gte, like, lt, lte, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { SelectResultFields } from "drizzle-orm/query-builders/select.types";
import type { Db } from "../../db/client";
import { attachments, mailboxes, messages } from "../../db/schema";
import { NotFoundError } from "../errors";
import { blobBytes, readBlob } from "./blobs";

/** Filters of `GET /v1/mailboxes/{id}/messages`. Text filters are case-insensitive "contains". */
export interface MessageFilters {
  q?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  subject?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
  unread?: boolean | undefined;
  /** human, auto_reply, bounce, list or automated. */
  kind?: string | undefined;
  threadId?: string | undefined;
  /** true: only quarantined mail; otherwise none of it. */
  quarantined?: boolean | undefined;
}

export const summaryColumns = {
  id: messages.id,
  mailboxId: messages.mailboxId,
  receivedAt: messages.receivedAt,
  envelopeFrom: messages.envelopeFrom,
  envelopeTo: messages.envelopeTo,
  fromAddress: messages.fromAddress,
  fromName: messages.fromName,
  to: messages.to,
  cc: messages.cc,
  subject: messages.subject,
  date: messages.date,
  messageIdHeader: messages.messageIdHeader,
  preview: sql<string | null>`substr(${messages.text}, 1, 200)`,
  size: messages.size,
  seen: messages.seen,
  attachmentCount: messages.attachmentCount,
  parseError: messages.parseError,
  ingress: messages.ingress,
  replyRef: messages.replyRef,
  quarantined: messages.quarantined,
  kind: messages.kind,
  threadId: messages.threadId,
};

/** Escapes LIKE wildcards so user input matches literally. */
function containing(value: string): string {
  return `%${value.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/**
 * The search index's scope token for a mailbox (its id as one word): every
 * index row carries it, so a search intersects the mailbox's posting list with
 * the words' inside FTS5 instead of filtering every match of every tenant.
 */
export function ftsScopeToken(mailboxId: string): string {
  return mailboxId.replace(/[^0-9A-Za-z]/g, "").toLowerCase();
}

/** Searches one mailbox: its scope token AND the user's words, in the content columns only. */
export function toScopedFtsQuery(text: string, mailboxId: string): string | null {
  const words = toFtsQuery(text);
  return words
    ? `scope : "${ftsScopeToken(mailboxId)}" AND {subject sender recipients body} : (${words})`
    : null;
}

/**
 * Turns free text into an FTS5 query that cannot be a syntax error: each word
 * becomes a quoted phrase (implicit AND); a trailing `*` keeps prefix search.
 */
export function toFtsQuery(text: string): string | null {
  const terms = text
    .split(/\s+/)
    .map((term) => term.trim())
    .filter((term) => term.replace(/\*+$/, "") !== "")
    .slice(0, 16)
    .map((term) => {
      const prefix = term.endsWith("*");
      const word = term.replace(/\*+$/, "").replaceAll('"', '""');
      return `"${word}"${prefix ? "*" : ""}`;
    });
  return terms.length > 0 ? terms.join(" ") : null;
}

/** The filters other than `q` (which decides the query's shape: see listMessages). */
function filterConditions(filters: MessageFilters): SQL[] {
  const conditions: SQL[] = [];
  if (filters.from) {
    const pattern = containing(filters.from);
    conditions.push(
      sql`(${messages.fromAddress} LIKE ${pattern} ESCAPE '\\' OR ${messages.fromName} LIKE ${pattern} ESCAPE '\\' OR ${messages.envelopeFrom} LIKE ${pattern} ESCAPE '\\')`,
    );
  }
  if (filters.to) {
    const pattern = containing(filters.to);
    conditions.push(
      sql`(${messages.to} LIKE ${pattern} ESCAPE '\\' OR ${messages.cc} LIKE ${pattern} ESCAPE '\\' OR ${messages.envelopeTo} LIKE ${pattern} ESCAPE '\\')`,
    );
  }
  if (filters.subject) conditions.push(like(messages.subject, containing(filters.subject)));
  if (filters.since !== undefined) conditions.push(gte(messages.receivedAt, filters.since));
  if (filters.until !== undefined) conditions.push(lte(messages.receivedAt, filters.until));
  if (filters.unread) conditions.push(eq(messages.seen, false));
  if (filters.kind) conditions.push(eq(messages.kind, filters.kind));
  if (filters.threadId) conditions.push(eq(messages.threadId, filters.threadId));
  return conditions;
}

export interface ListPaging {
  limit: number;
  before?: string | undefined;
  after?: string | undefined;
  oldestFirst?: boolean | undefined;
}

/**
 * Newest first; `before` is the id the previous page ended at (ids are
 * time-ordered). `oldestFirst` with `after` walks forward from a known message
 * in COMMIT order (SQLite's rowid), as the long poll does: an id is chosen when
 * a message arrives, so a big message can commit after a later small one, and
 * comparing ids would skip it. A burst bigger than one page is never skipped.
 */
export async function listMessages(
  db: Db,
  tenantId: string,
  mailboxId: string,
  paging: ListPaging,
  filters: MessageFilters = {},
) {
  const found = await db.get<{ mailbox: number | null; page: string }>(
    listStatement(db, tenantId, mailboxId, paging, filters),
  );
  if (!found?.mailbox) throw new NotFoundError(`no mailbox ${mailboxId}`);
  return (JSON.parse(found.page) as unknown[][]).map(toSummaryRow);
}

/**
 * The tenant check and the page in one statement, the page as one JSON value
 * (an array of `columns` arrays): one round trip on a remote database, and one
 * value for the server to encode and the client to decode instead of a typed
 * value per column per row. Its row: `mailbox` (1, or null when the tenant has
 * no such mailbox) and `page`. `columns` other than the summary's are for the
 * bench's SQL timings.
 */
export function listStatement(
  db: Pick<Db, "select">,
  tenantId: string,
  mailboxId: string,
  paging: ListPaging,
  filters: MessageFilters = {},
  columns: Record<string, SQLWrapper> = summaryColumns,
): SQL {
  // Quarantined mail is listed only when asked for (`?quarantined=true`), and then only it.
  const scope = and(
    eq(messages.tenantId, tenantId),
    eq(messages.mailboxId, mailboxId),
    eq(messages.quarantined, filters.quarantined ?? false),
  );
  const match = filters.q ? toScopedFtsQuery(filters.q, mailboxId) : null;
  const pageRowid = { rowid: sql<number>`${messages}.rowid` };
  // A search is driven by the index: FTS5 hands back this mailbox's matches newest
  // first (rowid order, which is commit order) and the LIMIT stops it early, where
  // `rowid IN (all matches)` built every match of every tenant first.
  const page = match
    ? db
        .select(pageRowid)
        .from(messages)
        .innerJoin(sql`messages_fts`, sql`messages_fts.rowid = ${messages}.rowid`)
        .where(
          and(
            sql`messages_fts MATCH ${match}`,
            scope,
            paging.before ? rowidBefore(tenantId, paging.before) : undefined,
            paging.after ? committedAfter(tenantId, paging.after) : undefined,
            ...filterConditions(filters),
          ),
        )
        .orderBy(paging.oldestFirst ? asc(sql`messages_fts.rowid`) : desc(sql`messages_fts.rowid`))
        .limit(paging.limit)
    : db
        .select(pageRowid)
        .from(messages)
        .where(
          and(
            scope,
            paging.before ? lt(messages.id, paging.before) : undefined,
            paging.after ? committedAfter(tenantId, paging.after) : undefined,
            ...filterConditions(filters),
          ),
        )
        .orderBy(paging.oldestFirst ? asc(sql`${messages}.rowid`) : desc(messages.id))
        .limit(paging.limit);
  // The page's own order again: an aggregate's input order is otherwise unspecified.
  const order = paging.oldestFirst
    ? sql`${messages}.rowid ASC`
    : match
      ? sql`${messages}.rowid DESC`
      : sql`${messages.id} DESC`;
  const values = sql.join(
    Object.values(columns).map((field) => sql`${field}`),
    sql`, `,
  );
  return sql`SELECT
    (SELECT 1 FROM ${mailboxes} WHERE ${mailboxes.tenantId} = ${tenantId} AND ${mailboxes.id} = ${mailboxId}) AS mailbox,
    (SELECT json_group_array(json_array(${values}) ORDER BY ${order})
      FROM ${messages} WHERE ${messages}.rowid IN (${page})) AS page`;
}

type SummaryRow = SelectResultFields<typeof summaryColumns>;

const identity = (value: unknown) => value;
/** Each summary field's name and its driver-to-row mapping (booleans are stored as 0/1), as drizzle's select applies it. */
const summaryFields = Object.entries(summaryColumns).map(([name, field]) => ({
  name,
  decode:
    field instanceof Column
      ? (value: unknown) => (value === null ? null : field.mapFromDriverValue(value))
      : identity,
}));
function toSummaryRow(values: unknown[]): SummaryRow {
  const row: Record<string, unknown> = {};
  summaryFields.forEach(({ name, decode }, index) => {
    row[name] = decode(values[index]);
  });
  return row as SummaryRow;
}

/** Rows committed before the message `beforeId` (a search's cursor); by id if that message is gone. */
function rowidBefore(tenantId: string, beforeId: string): SQL {
  return sql`${messages}.rowid < coalesce(
    (SELECT m.rowid FROM ${messages} m WHERE m.id = ${beforeId} AND m.tenant_id = ${tenantId}),
    (SELECT min(m.rowid) FROM ${messages} m WHERE m.tenant_id = ${tenantId} AND m.id >= ${beforeId}),
    0)`;
}

/** Rows committed after the message `afterId`; by id if that message is gone (deleted). */
function committedAfter(tenantId: string, afterId: string): SQL {
  return sql`${messages}.rowid > coalesce(
    (SELECT m.rowid FROM ${messages} m WHERE m.id = ${afterId} AND m.tenant_id = ${tenantId}),
    (SELECT max(m.rowid) FROM ${messages} m WHERE m.tenant_id = ${tenantId} AND m.id <= ${afterId}),
    0)`;
}

/** The id of the mailbox's newest message, or null when it has none. */
export async function findLatestMessageId(
  db: Db,
  tenantId: string,
  mailboxId: string,
): Promise<string | null> {
  const [row] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), eq(messages.mailboxId, mailboxId)))
    .orderBy(desc(sql`${messages}.rowid`))
    .limit(1);
  return row?.id ?? null;
}

export async function getMessage(db: Db, tenantId: string, id: string) {
  // The message and its attachments in one batch: one round trip on a remote database.
  const [found, attachmentRows] = await db.batch([
    db
      .select({
        ...summaryColumns,
        remoteIp: messages.remoteIp,
        helo: messages.helo,
        tls: messages.tls,
        replyTo: messages.replyTo,
        inReplyTo: messages.inReplyTo,
        references: messages.references,
        headers: messages.headers,
        text: messages.text,
        html: messages.html,
        auth: messages.auth,
        textSource: messages.textSource,
        derived: messages.derived,
      })
      .from(messages)
      .where(and(eq(messages.tenantId, tenantId), eq(messages.id, id)))
      .limit(1),
    db
      .select({
        id: attachments.id,
        filename: attachments.filename,
        contentType: attachments.contentType,
        disposition: attachments.disposition,
        contentId: attachments.contentId,
        size: attachments.size,
        sha256: attachments.sha256,
      })
      .from(attachments)
      .where(and(eq(attachments.tenantId, tenantId), eq(attachments.messageId, id)))
      .orderBy(asc(attachments.position)),
  ]);
  const row = found[0];
  if (!row) throw new NotFoundError(`no message ${id}`);
  return { ...row, attachments: attachmentRows };
}

export type MessageRow = Awaited<ReturnType<typeof getMessage>>;
export type MessageSummaryRow = SummaryRow;

/**
 * Blob reads go to the libSQL client, not through drizzle: where there is no
 * `Buffer` (Cloudflare Workers without nodejs_compat), drizzle's libsql session
 * turns a BLOB's ArrayBuffer into a string with TextDecoder, so raw bytes came
 * back empty or mangled. The client itself hands back the ArrayBuffer.
 */
export async function getRawMessage(db: Db, tenantId: string, id: string): Promise<Uint8Array> {
  const result = await db.$client.execute({
    sql: `SELECT m.trace_header, b.key, b.size, b.content FROM messages m JOIN blobs b ON b.key = m.raw_blob
      WHERE m.tenant_id = ? AND m.id = ? LIMIT 1`,
    args: [tenantId, id],
  });
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`no message ${id}`);
  // This copy's own trace header, then the bytes every copy shares.
  const header = new TextEncoder().encode(String(row.trace_header ?? ""));
  return readBlob(db.$client, String(row.key), Number(row.size), blobBytes(row.content), header);
}

export async function getAttachment(db: Db, tenantId: string, messageId: string, attachmentId: string) {
  const result = await db.$client.execute({
    sql: `SELECT a.filename, a.content_type, a.size, a.sha256, b.key, b.size AS blob_size, b.content
      FROM attachments a JOIN blobs b ON b.key = a.blob_key
      WHERE a.tenant_id = ? AND a.message_id = ? AND a.id = ? LIMIT 1`,
    args: [tenantId, messageId, attachmentId],
  });
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`no attachment ${attachmentId} on message ${messageId}`);
  return {
    filename: row.filename === null ? null : String(row.filename),
    contentType: String(row.content_type),
    size: Number(row.size),
    sha256: String(row.sha256),
    content: await readBlob(db.$client, String(row.key), Number(row.blob_size), blobBytes(row.content)),
  };
}
