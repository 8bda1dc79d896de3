import { createHash } from "node:crypto";
import type { Client, InStatement, InValue } from "@libsql/client";
import { COMMON_WORD, createRandom, pickWord, proseText, RARE_WORD } from "./messages";

/**
 * Seeds a mailbox with stored messages straight into SQL, in big batches: per
 * 500 messages one multi-row INSERT into blobs (the raw bytes, keyed by their
 * SHA-256 hex, as core/ingest stores them) and one into messages (whose
 * raw_blob holds that key), and one `INSERT … SELECT` into messages_fts per
 * batch: what OmniMail's ingest writes message by message. Rows have the sizes
 * of real mail (about 5 KB raw, 1.5–6 KB of text, headers JSON), ids in our
 * time-ordered format, and received_at spread 30 s apart ending now. One
 * message in five has COMMON_WORD in its subject, one in a thousand RARE_WORD.
 */

const ROWS_PER_INSERT = 500;
const INSERTS_PER_BATCH = 4;
/** Distinct bodies reused round-robin (so generation is not the slow part). */
const BODY_POOL = 1024;
const SPACING_MS = 30_000;

const COLUMNS = [
  "id",
  "tenant_id",
  "mailbox_id",
  "envelope_from",
  "envelope_to",
  "remote_ip",
  "helo",
  "tls",
  "subject",
  "from_address",
  "from_name",
  "to",
  "cc",
  "reply_to",
  "date",
  "message_id",
  "in_reply_to",
  "references",
  "headers",
  "text",
  "html",
  "size",
  "raw_blob",
  "received_at",
  "seen",
  "parse_error",
  "attachment_count",
] as const;

const FIRST_NAMES = [
  "Ada",
  "Grace",
  "Linus",
  "Alan",
  "Barbara",
  "Ken",
  "Margaret",
  "Dennis",
  "Frances",
  "John",
];
const LAST_NAMES = ["Lovelace", "Hopper", "Torvalds", "Turing", "Liskov", "Thompson", "Hamilton", "Ritchie"];

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * An id in core/ids.ts's format (`msg_` + 10 characters of millisecond time +
 * 16 of randomness, Crockford base32) for a message received at `time`; made
 * here so the time part is the seeded received_at, not the clock.
 */
function seededId(time: number, index: number): string {
  let head = "";
  let rest = time;
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD.charAt(rest % 32) + head;
    rest = Math.floor(rest / 32);
  }
  let tail = "";
  let seed = (index * 2654435761) >>> 0;
  for (let i = 0; i < 16; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    tail += CROCKFORD.charAt(seed >>> 27);
  }
  return `msg_${head}${tail}`;
}

export interface SeedTarget {
  tenantId: string;
  mailboxId: string;
  /** Address of the mailbox, for the To: header. */
  address: string;
  /** received_at of the newest message the full seed will hold; the oldest is `total` × 30 s before. */
  newestAt: number;
  /** How many messages the largest seed of this run will hold (so ids stay time-ordered as sizes grow). */
  total: number;
}

export function createSeeder(
  client: Client,
  target: SeedTarget,
  /** Rows per commit; 1 makes one transaction per message, as OmniMail's store does. */
  options: {
    rowsPerCommit?: number;
    /** Also write the messages_fts rows (default true). */
    fts?: boolean;
  } = {},
) {
  const withFts = options.fts ?? true;
  let lastRowid: number | null = null;
  const rowsPerInsert = Math.min(ROWS_PER_INSERT, options.rowsPerCommit ?? ROWS_PER_INSERT);
  const insertsPerBatch = Math.max(
    1,
    Math.floor((options.rowsPerCommit ?? ROWS_PER_INSERT * INSERTS_PER_BATCH) / rowsPerInsert),
  );
  const random = createRandom(42);
  const bodies = Array.from({ length: BODY_POOL }, () =>
    proseText(random, 1500 + Math.floor(random() * 4500)),
  );
  const oldestAt = target.newestAt - target.total * SPACING_MS;
  let seeded = 0;

  /** One message: its blob row (key, size, content, created_at) and its message row (COLUMNS). */
  function row(index: number): { blob: InValue[]; message: InValue[] } {
    const receivedAt = oldestAt + index * SPACING_MS;
    const first = FIRST_NAMES[index % FIRST_NAMES.length] ?? "Ada";
    const last = LAST_NAMES[(index >> 3) % LAST_NAMES.length] ?? "Lovelace";
    const fromAddress = `${first.toLowerCase()}.${last.toLowerCase()}@sender${index % 97}.example`;
    const fromName = `${first} ${last}`;
    const words = Array.from({ length: 3 + (index % 6) }, () => pickWord(random));
    if (index % 5 === 0) words.push(COMMON_WORD);
    if (index % 1000 === 7) words.push(RARE_WORD);
    const subject = words.join(" ");
    const date = new Date(receivedAt - 2000).toUTCString();
    const messageId = `<seed.${index}@sender${index % 97}.example>`;
    const text = bodies[index % BODY_POOL] ?? "";
    const headers = [
      { name: "received", value: `from mail.sender${index % 97}.example by mx.omnimail.localhost` },
      { name: "from", value: `${fromName} <${fromAddress}>` },
      { name: "to", value: target.address },
      { name: "subject", value: subject },
      { name: "date", value: date },
      { name: "message-id", value: messageId },
      { name: "mime-version", value: "1.0" },
      { name: "content-type", value: "text/plain; charset=utf-8" },
    ];
    const rawHead = headers.map((header) => `${header.name}: ${header.value}`).join("\r\n");
    const raw = Buffer.from(`${rawHead}\r\n\r\n${text}\r\n`, "latin1");
    const rawKey = createHash("sha256").update(raw).digest("hex");
    const id = seededId(receivedAt, index);
    const message = [
      id,
      target.tenantId,
      target.mailboxId,
      fromAddress,
      JSON.stringify([target.address]),
      "192.0.2.10",
      `mail.sender${index % 97}.example`,
      null,
      subject,
      fromAddress,
      fromName,
      JSON.stringify([{ address: target.address, name: "" }]),
      "[]",
      "[]",
      new Date(receivedAt - 2000).toISOString(),
      messageId,
      null,
      "[]",
      JSON.stringify(headers),
      text,
      null,
      raw.byteLength,
      rawKey,
      receivedAt,
      index % 3 === 0 ? 1 : 0,
      null,
      0,
    ];
    return { blob: [rawKey, raw.byteLength, raw, receivedAt], message };
  }

  const placeholders = `(${COLUMNS.map(() => "?").join(", ")})`;
  const insertSql = (rows: number) =>
    `INSERT INTO messages (${COLUMNS.map((column) => `"${column}"`).join(", ")}) VALUES ${Array.from(
      { length: rows },
      () => placeholders,
    ).join(", ")}`;
  // Every seeded message is distinct, so no key repeats; the conflict clause is the product's (blobs.ts).
  const blobInsertSql = (rows: number) =>
    `INSERT INTO blobs (key, size, content, created_at) VALUES ${Array.from(
      { length: rows },
      () => "(?, ?, ?, ?)",
    ).join(", ")} ON CONFLICT (key) DO NOTHING`;

  return {
    get count() {
      return seeded;
    },
    /** Adds messages until the mailbox holds `size` seeded ones; bounded by `size`. */
    async seedTo(size: number, onProgress?: (count: number) => void): Promise<void> {
      while (seeded < size) {
        if (lastRowid === null) {
          const [top] = (await client.execute("SELECT coalesce(max(rowid), 0) AS top FROM messages")).rows;
          lastRowid = Number(top?.[0] ?? 0);
        }
        // Only this seeder adds messages meanwhile and none is deleted, so new rowids follow on.
        const before = lastRowid;
        const statements: InStatement[] = [];
        for (let insert = 0; insert < insertsPerBatch && seeded < size; insert++) {
          const rows = Math.min(rowsPerInsert, size - seeded);
          const blobArgs: InValue[] = [];
          const messageArgs: InValue[] = [];
          for (let offset = 0; offset < rows; offset++) {
            const { blob, message } = row(seeded + offset);
            blobArgs.push(...blob);
            messageArgs.push(...message);
          }
          statements.push({ sql: blobInsertSql(rows), args: blobArgs });
          statements.push({ sql: insertSql(rows), args: messageArgs });
          seeded += rows;
          lastRowid += rows;
        }
        // The search index row shares the message's rowid, with the fields core/ingest indexes.
        if (withFts)
          statements.push({
            sql: `INSERT INTO messages_fts (rowid, scope, subject, sender, recipients, body)
            SELECT m.rowid, lower(replace(m.mailbox_id, '_', '')), coalesce(m.subject, ''),
              CASE WHEN m.from_name != '' THEN m.from_name || ' <' || m.from_address || '>' ELSE m.envelope_from END,
              (SELECT coalesce(group_concat(CASE WHEN json_extract(r.value, '$.name') != ''
                  THEN json_extract(r.value, '$.name') || ' <' || json_extract(r.value, '$.address') || '>'
                  ELSE json_extract(r.value, '$.address') END, ' '), '') FROM json_each(m."to") r),
              coalesce(m.text, '')
            FROM messages m WHERE m.rowid > ?`,
            args: [before],
          });
        await client.batch(statements, "write");
        onProgress?.(seeded);
      }
    },
  };
}
