import type { InValue } from "@libsql/client";
import { fillPlaceholders, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { attachments, messages } from "../../db/schema";
import { type SqlStatement, toStatement } from "../../db/statements";
import { eventInsert, MESSAGE_RECEIVED, QUEUED_FOR_LAST_EVENT } from "../events/log";
import { newId } from "../ids";
import { derivedFieldsOf, threadKeysOf } from "../messages/analyze";
import { blobInsert } from "../messages/blobs";
import { ftsScopeToken } from "../messages/read";
import type { Links } from "../messages/serialize";
import { buildMessageReceivedEvent } from "../outbox/payload";
import { type ThreadLookup, threadIdSql, threadLookupOf } from "../threads/assign";
import { copySize, type InboundMessage, type StoredMessage } from "./inbound-message";

export type { InboundMessage, StoredMessage };

/**
 * How much of a body the search index takes (characters). Search over the start
 * of a body finds what people search for; indexing all of a 25 MB text would
 * cost more memory and time than every other step of the ingest together.
 */
export const SEARCH_TEXT_LIMIT = 256 * 1024;

export interface MessageBatch {
  statements: SqlStatement[];
  stored: StoredMessage[];
  /** Indexes of the outbox statements, whose rowsAffected say how many deliveries were queued. */
  outboxAt: number[];
}

/**
 * The one batch that stores a message: its bytes and each attachment's bytes
 * once (content-addressed, whatever the number of copies), then per mailbox a
 * message row, attachment rows referring to those bytes, a search row, and the
 * `message.received` event, whose outbox rows are chosen inside the commit. All of it commits or none of it does.
 */
export function buildMessageBatch(db: Db, message: InboundMessage, links: Links): MessageBatch {
  const statements: SqlStatement[] = [];
  const stored: StoredMessage[] = [];
  const outboxAt: number[] = [];
  const content = message.content;
  const analysis = message.analysis;
  // The text the API shows and search reads: the text part, or the only HTML part as text.
  const text = analysis?.text ?? content?.text ?? null;
  const { subjectKey, participants, references } = threadKeysOf(content);
  const derived = JSON.stringify(derivedFieldsOf(analysis, message.kind, content));
  const searchRecipients = [
    ...(content?.to ?? []).map(formatAddress),
    ...(content?.cc ?? []).map(formatAddress),
  ].join(" ");
  if (message.deliveries.length === 0) return { statements, stored, outboxAt };

  statements.push(...blobInsert(message.rawKey, message.raw, message.receivedAt));
  const seenBlobs = new Set([message.rawKey]);
  for (const attachment of content?.attachments ?? []) {
    if (seenBlobs.has(attachment.sha256)) continue;
    seenBlobs.add(attachment.sha256);
    statements.push(...blobInsert(attachment.sha256, attachment.content, message.receivedAt));
  }

  for (const delivery of message.deliveries) {
    const id = delivery.messageId;
    const copy: StoredMessage = {
      id,
      tenantId: delivery.tenantId,
      mailboxId: delivery.mailboxId,
      attachmentIds: [],
    };
    stored.push(copy);
    statements.push(
      messageInsert(
        db,
        {
          id,
          tenantId: delivery.tenantId,
          mailboxId: delivery.mailboxId,
          envelopeFrom: message.envelope.mailFrom,
          envelopeTo: JSON.stringify(delivery.rcptTo),
          remoteIp: message.envelope.remoteIp,
          helo: message.envelope.helo,
          tls: message.envelope.tls ? JSON.stringify(message.envelope.tls) : null,
          subject: content?.subject ?? null,
          fromAddress: content?.from?.address ?? null,
          fromName: content?.from?.name ?? null,
          to: JSON.stringify(content?.to ?? []),
          cc: JSON.stringify(content?.cc ?? []),
          replyTo: JSON.stringify(content?.replyTo ?? []),
          date: content?.date ?? null,
          messageIdHeader: content?.messageId ?? null,
          inReplyTo: content?.inReplyTo ?? null,
          references: JSON.stringify(content?.references ?? []),
          headers: JSON.stringify([traceHeaderEntry(delivery.traceHeader), ...(content?.headers ?? [])]),
          text,
          html: content?.html ?? null,
          textSource: analysis?.textSource ?? null,
          kind: message.kind.kind,
          threadSubject: subjectKey,
          participants: JSON.stringify(participants),
          derived,
          size: copySize(delivery.traceHeader, message.raw),
          rawBlob: message.rawKey,
          traceHeader: delivery.traceHeader,
          receivedAt: message.receivedAt,
          parseError: message.parseError,
          auth: message.auth ? JSON.stringify(message.auth) : null,
          attachmentCount: content?.attachments.length ?? 0,
          ingress: message.ingress,
          ingressKey: message.ingressKey,
          replyRef: delivery.replyRef ?? null,
          quarantined: delivery.quarantined ?? false,
        },
        threadLookupOf({
          tenantId: delivery.tenantId,
          mailboxId: delivery.mailboxId,
          references,
          subjectKey,
          participants,
          receivedAt: message.receivedAt,
          newThreadId: newId("thread"),
        }),
      ),
      {
        // `scope` is the mailbox as one word (core/messages/read.ts, ftsScopeToken).
        sql: `INSERT INTO messages_fts (rowid, scope, subject, sender, recipients, body)
          SELECT rowid, ?, ?, ?, ?, ? FROM messages WHERE id = ?`,
        args: [
          ftsScopeToken(delivery.mailboxId),
          content?.subject ?? "",
          content?.from ? formatAddress(content.from) : message.envelope.mailFrom,
          searchRecipients,
          (text ?? "").slice(0, SEARCH_TEXT_LIMIT),
          id,
        ],
      },
    );
    for (const [position, attachment] of (content?.attachments ?? []).entries()) {
      const attachmentId = newId("attachment");
      copy.attachmentIds.push(attachmentId);
      statements.push(
        toStatement(
          db.insert(attachments).values({
            id: attachmentId,
            messageId: id,
            tenantId: delivery.tenantId,
            position,
            filename: attachment.filename,
            contentType: attachment.contentType,
            disposition: attachment.disposition,
            contentId: attachment.contentId,
            size: attachment.size,
            sha256: attachment.sha256,
            blobKey: attachment.sha256,
          }),
        ),
      );
    }
    // A quarantined copy is announced when it is released (core/policy/quarantine.ts), not now.
    if (delivery.quarantined) continue;
    // The event, whose trigger queues the webhook deliveries; then the count of what it queued.
    statements.push(
      eventInsert({
        tenantId: delivery.tenantId,
        type: MESSAGE_RECEIVED,
        mailboxId: delivery.mailboxId,
        messageId: id,
        dataJson: buildMessageReceivedEvent(copy, message, copy.attachmentIds, links).dataJson,
        now: message.receivedAt,
      }),
    );
    outboxAt.push(statements.length);
    statements.push(QUEUED_FOR_LAST_EVENT);
  }
  return { statements, stored, outboxAt };
}

/** A message row as drizzle takes it, but its thread, which is decided in SQL (core/threads/assign.ts). */
export type MessageRowValues = Omit<typeof messages.$inferInsert, "threadId">;

/** Statement text and drizzle's parameters (placeholders among them), by shape (see messageInsert). */
const insertTemplates = new Map<string, { sql: string; params: unknown[] }>();

/**
 * The INSERT of one message row. drizzle builds it from the schema once per
 * shape (which columns, and whether the thread may be found by subject) with
 * placeholders, and each copy's values are bound by name with each column's
 * driver mapping, as drizzle's prepared statements do: building the statement
 * anew for every copy cost more of the event loop than any other part of the batch.
 */
export function messageInsert(
  db: Pick<Db, "insert">,
  values: MessageRowValues,
  thread: { lookup: ThreadLookup<string | number>; bySubject: boolean },
): SqlStatement {
  const shape = `${thread.bySubject} ${Object.keys(values).join()}`;
  let template = insertTemplates.get(shape);
  if (!template) {
    const fields = Object.fromEntries(Object.keys(values).map((name) => [name, sql.placeholder(name)]));
    const lookup = Object.fromEntries(
      Object.keys(thread.lookup).map((name) => [name, sql.placeholder(`thread.${name}`)]),
    ) as unknown as ThreadLookup;
    template = db
      .insert(messages)
      .values({ ...fields, threadId: threadIdSql(lookup, thread.bySubject) } as never)
      .toSQL();
    insertTemplates.set(shape, template);
  }
  const bound: Record<string, unknown> = { ...values };
  for (const [name, value] of Object.entries(thread.lookup)) bound[`thread.${name}`] = value;
  return { sql: template.sql, args: fillPlaceholders(template.params, bound) as InValue[] };
}

/** The trace header as an entry of the headers JSON, unfolded (RFC 5322 §2.2.3), like the parsed ones. */
function traceHeaderEntry(traceHeader: string): { name: string; value: string } {
  const colon = traceHeader.indexOf(":");
  return {
    name: traceHeader.slice(0, colon),
    value: traceHeader
      .slice(colon + 1)
      .replace(/\r\n(?=[ \t])/g, "")
      .trim(),
  };
}

function formatAddress(address: { address: string; name: string }): string {
  return address.name ? `${address.name} <${address.address}>` : address.address;
}
