import type { SqlStatement } from "../../db/statements";

/**
 * Content-addressed bytes (the `blobs` table). A message's raw bytes and each
 * attachment are written once per DATA, however many mailboxes and tenants get
 * a copy; copies refer to them by key. Both sides of the reference count are
 * decided inside the commit: the insert is a no-op when the bytes are already
 * there, and a delete removes only the blobs that nothing outside the deleted
 * rows still refers to.
 */

/**
 * Bytes per stored chunk. SQLite copies a bound value and then the row it
 * builds from it, so a statement holds about three times its value in memory:
 * with chunks, that is three chunks, whatever the size of the message. On a
 * remote database a statement travels as JSON with its blob in base64: 512 KiB
 * is ~700 KB there, under the 1 MiB some servers take in one request.
 */
export const BLOB_CHUNK_BYTES = 512 * 1024;

/**
 * Stores bytes under their key unless they are already there: the first chunk
 * in `blobs`, the others in `blob_chunks`. Each chunk is a view of `content`,
 * not a copy.
 */
export function blobInsert(key: string, content: Uint8Array, now: number): SqlStatement[] {
  const chunk = (seq: number) =>
    content.subarray(seq * BLOB_CHUNK_BYTES, Math.min(content.byteLength, (seq + 1) * BLOB_CHUNK_BYTES));
  const statements: SqlStatement[] = [
    {
      sql: "INSERT INTO blobs (key, size, content, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
      args: [key, content.byteLength, chunk(0), now],
    },
  ];
  for (let seq = 1; seq * BLOB_CHUNK_BYTES < content.byteLength; seq++) {
    statements.push({
      sql: "INSERT INTO blob_chunks (key, seq, content) VALUES (?, ?, ?) ON CONFLICT (key, seq) DO NOTHING",
      args: [key, seq, chunk(seq)],
    });
  }
  return statements;
}

/**
 * The bytes stored under `key` (first chunk + `blob_chunks`), after `prefix`
 * when one is given (a copy's trace header), assembled in one buffer.
 * `first` is the `blobs.content` the caller has already read with its
 * tenant-filtered join; only a blob of more than one chunk costs a second
 * query. Blob reads go to the libSQL client, not through drizzle (see read.ts).
 */
export async function readBlob(
  client: { execute(statement: SqlStatement): Promise<{ rows: ArrayLike<Record<string, unknown>> }> },
  key: string,
  size: number,
  first: Uint8Array,
  prefix: Uint8Array = new Uint8Array(0),
): Promise<Uint8Array> {
  const whole = first.byteLength >= size;
  if (whole && prefix.byteLength === 0) return first;
  const rest = whole
    ? { rows: [] }
    : await client.execute({
        sql: "SELECT content FROM blob_chunks WHERE key = ? ORDER BY seq",
        args: [key],
      });
  const bytes = new Uint8Array(prefix.byteLength + size);
  bytes.set(prefix, 0);
  bytes.set(first, prefix.byteLength);
  let offset = prefix.byteLength + first.byteLength;
  for (let index = 0; index < rest.rows.length; index++) {
    const chunk = blobBytes(rest.rows[index]?.content);
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  if (offset !== prefix.byteLength + size) {
    throw new Error(`blob ${key}: ${offset - prefix.byteLength} of ${size} bytes stored`);
  }
  return bytes;
}

/** A BLOB column's value as bytes (libSQL hands back an ArrayBuffer). */
export function blobBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new Error(`a blob column returned ${Object.prototype.toString.call(value)}`);
}

/**
 * Deletes the blobs of the messages `scope` selects (raw bytes and attachment
 * bytes) that no message or attachment outside that scope refers to. Run it
 * before the rows themselves are deleted, in the same batch. `scope` is a
 * condition on `messages` (tenant-filtered by the caller) with its arguments.
 */
export function orphanedBlobDeletion(scope: { where: string; args: Array<string | number> }): SqlStatement[] {
  const inScope = `SELECT id FROM messages WHERE ${scope.where}`;
  const orphaned = (table: string) => `${table}.key IN (
        SELECT raw_blob FROM messages WHERE ${scope.where}
        UNION SELECT blob_key FROM attachments WHERE message_id IN (${inScope}))
      AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.raw_blob = ${table}.key AND m.id NOT IN (${inScope}))
      AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.blob_key = ${table}.key AND a.message_id NOT IN (${inScope}))`;
  const args = [...scope.args, ...scope.args, ...scope.args, ...scope.args];
  // Chunks first: the same condition, while the rows that decide it are all still there.
  return [
    { sql: `DELETE FROM blob_chunks WHERE ${orphaned("blob_chunks")}`, args },
    { sql: `DELETE FROM blobs WHERE ${orphaned("blobs")}`, args },
  ];
}
