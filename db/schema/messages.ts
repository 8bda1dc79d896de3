import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
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
    /**
     * Key of the bytes as received, with our Received: header prepended, in
     * `blobs`. One DATA to many mailboxes stores them once; each copy refers to them.
     */
    rawBlob: text("raw_blob").notNull().default(""),
    /**
     * This copy's own `Received:` trace header; the raw bytes served are this,
     * then the blob. Empty for copies stored before migration 0007, whose blob
     * begins with the header.
     */
    traceHeader: text("trace_header").notNull().default(""),
    receivedAt: integer("received_at").notNull(),
    seen: integer("seen", { mode: "boolean" }).notNull().default(false),
    parseError: text("parse_error"),
    /** JSON {spf, dkim[], dmarc, arc, header}: sender authentication results (mailauth), or null when not checked. */
    auth: text("auth"),
    attachmentCount: integer("attachment_count").notNull().default(0),
    /** How the message reached us: "smtp" (the SMTP edge) or "email-worker" (Cloudflare Email Routing). */
    ingress: text("ingress").notNull().default("smtp"),
    /**
     * For ingresses that retry a delivery whose answer was lost (Email Routing):
     * a key over the envelope and the bytes, unique per mailbox, so the retry
     * stores no second copy. Null for SMTP, whose retries are new transactions.
     */
    ingressKey: text("ingress_key"),
    /** The app's `ref` carried by the reply address it was sent to (POST /v1/reply-addresses), or null. */
    replyRef: text("reply_ref"),
    /** Held by a tenant's `quarantine` rule: listed only on request, announced when released. */
    quarantined: integer("quarantined", { mode: "boolean" }).notNull().default(false),
    /** human, auto_reply, bounce, list or automated (core/classify/kind.ts); null before 0016 until reparsed. */
    kind: text("kind"),
    /** The conversation (core/threads/): by References/In-Reply-To, else subject and participants within 30 days. */
    threadId: text("thread_id"),
    /** The subject without Re:/Fwd:/AW:… and spacing, lower case: the subject half of the thread fallback. */
    threadSubject: text("thread_subject"),
    /** JSON string[]: lower-case addresses of From, To and Cc, for the thread fallback's shared participants. */
    participants: text("participants"),
    /** Where `text` came from: "text" (a text part), "html" (derived from the only HTML part), or null. */
    textSource: text("text_source"),
    /** JSON: what was derived from the body (stripped_text, signature, markdown, codes, links, kind_reasons, bounce, header_anomalies). */
    derived: text("derived"),
  },
  (table) => [
    uniqueIndex("messages_ingress_key_idx").on(table.tenantId, table.mailboxId, table.ingressKey),
    index("messages_mailbox_idx").on(table.tenantId, table.mailboxId, table.id),
    index("messages_tenant_idx").on(table.tenantId, table.id),
    index("messages_raw_blob_idx").on(table.rawBlob),
    // Threads: a reply finds its parent by Message-ID, or by subject; a thread lists its messages.
    index("messages_message_id_idx").on(table.tenantId, table.mailboxId, table.messageIdHeader),
    index("messages_thread_subject_idx").on(table.tenantId, table.mailboxId, table.threadSubject),
    index("messages_thread_idx").on(table.tenantId, table.mailboxId, table.threadId),
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
    /** Key of the bytes in `blobs` (the sha256): the same file in many messages is stored once. */
    blobKey: text("blob_key").notNull().default(""),
  },
  (table) => [
    index("attachments_message_idx").on(table.messageId, table.position),
    index("attachments_tenant_idx").on(table.tenantId),
    index("attachments_blob_idx").on(table.blobKey),
  ],
);

/**
 * Content-addressed bytes: a message's raw bytes and its attachments, keyed by
 * their SHA-256 (hex). Not tenant-owned: a row is reachable only through a
 * tenant-owned message or attachment that refers to it, and every read goes
 * through that row's tenant filter. The last reference's delete removes it
 * (core/messages/blobs.ts), in the same batch.
 *
 * `content` holds the first BLOB_CHUNK_BYTES; the rest is in `blob_chunks`
 * (seq 1, 2, …), so no statement binds or builds a record of more than one
 * chunk: SQLite copies a bound value and the row it builds, which for one
 * 25 MB value was two more copies of it in memory.
 */
export const blobs = sqliteTable("blobs", {
  key: text("key").primaryKey(),
  size: integer("size").notNull(),
  content: bytes("content").notNull(),
  createdAt: integer("created_at").notNull(),
});

/** The bytes of a blob after its first chunk, in order of `seq` (1, 2, …). */
export const blobChunks = sqliteTable(
  "blob_chunks",
  {
    key: text("key").notNull(),
    seq: integer("seq").notNull(),
    content: bytes("content").notNull(),
  },
  (table) => [uniqueIndex("blob_chunks_key_seq_idx").on(table.key, table.seq)],
);

/**
 * One row per conversation, kept by triggers on `messages` (migration 0017) in
 * the same commits that store, mark, release, move and delete mail, so a page
 * of threads is an index range however much mail a mailbox holds.
 * Quarantined copies do not count until released.
 */
export const threads = sqliteTable(
  "threads",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    mailboxId: text("mailbox_id").notNull(),
    /** The subject of its first message. */
    subject: text("subject"),
    messageCount: integer("message_count").notNull().default(0),
    unreadCount: integer("unread_count").notNull().default(0),
    firstMessageAt: integer("first_message_at").notNull(),
    lastMessageAt: integer("last_message_at").notNull(),
  },
  (table) => [
    index("threads_mailbox_activity_idx").on(table.tenantId, table.mailboxId, table.lastMessageAt, table.id),
    index("threads_tenant_activity_idx").on(table.tenantId, table.lastMessageAt, table.id),
  ],
);
