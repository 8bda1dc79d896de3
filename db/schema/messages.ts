import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { bytes } from "./bytes";
import { mailboxes, tenants } from "./tenancy";

/**
 * One row per (message, mailbox): a message sent to mailboxes of two tenants is
 * stored twice, once for each, so no query ever needs to cross a tenant. The
 * id is time-ordered and generated before the write, so a retried write cannot
 * create a second copy. JSON columns hold arrays/objects as text.
 */
export const messages = sqliteTable(
  "messages",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    mailboxId: text("mailbox_id")
      .notNull()
      .references(() => mailboxes.id),
    envelopeFrom: text("envelope_from").notNull(),
    /** JSON string[]: only the recipients that were delivered to this mailbox. */
    envelopeTo: text("envelope_to").notNull(),
    remoteIp: text("remote_ip"),
    helo: text("helo"),
    /** JSON {protocol, cipher} when the session used TLS, else null. */
    tls: text("tls"),
    subject: text("subject"),
    fromAddress: text("from_address"),
    fromName: text("from_name"),
    /** JSON [{address, name}] */
    to: text("to").notNull(),
    cc: text("cc").notNull(),
    replyTo: text("reply_to").notNull(),
    date: text("date"),
    messageIdHeader: text("message_id"),
    inReplyTo: text("in_reply_to"),
    /** JSON string[] */
    references: text("references").notNull(),
    /** JSON [{name, value}] in document order */
    headers: text("headers").notNull(),
    text: text("text"),
    html: text("html"),
    size: integer("size").notNull(),
    /** The bytes as received, with our Received: header prepended. */
    raw: bytes("raw").notNull(),
    receivedAt: integer("received_at").notNull(),
    seen: integer("seen", { mode: "boolean" }).notNull().default(false),
    parseError: text("parse_error"),
    /** JSON {spf, dkim[], dmarc, arc, header}: sender authentication results (mailauth), or null when not checked. */
    auth: text("auth"),
    attachmentCount: integer("attachment_count").notNull().default(0),
  },
  (table) => [
    index("messages_mailbox_idx").on(table.tenantId, table.mailboxId, table.id),
    index("messages_tenant_idx").on(table.tenantId, table.id),
  ],
);

export const attachments = sqliteTable(
  "attachments",
  {
    id: text("id").primaryKey(),
    messageId: text("message_id")
      .notNull()
      .references(() => messages.id),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    /** Position in the message, so attachments come back in document order. */
    position: integer("position").notNull(),
    filename: text("filename"),
    contentType: text("content_type").notNull(),
    disposition: text("disposition"),
    contentId: text("content_id"),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    content: bytes("content").notNull(),
  },
  (table) => [
    index("attachments_message_idx").on(table.messageId, table.position),
    index("attachments_tenant_idx").on(table.tenantId),
  ],
);
