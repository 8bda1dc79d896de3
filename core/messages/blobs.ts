import type { SqlStatement } from "../../db/statements";

/**
 * Content-addressed bytes (the `blobs` table). A message's raw bytes and each
 * attachment are written once per DATA, however many mailboxes and tenants get
 * a copy; copies refer to them by key. Both sides of the reference count are
 * decided inside the commit: the insert is a no-op when the bytes are already
 * there, and a delete removes only the blobs that nothing outside the deleted
 * rows still refers to.
 */

/** Stores bytes under their key unless they are already there. */
export function blobInsert(key: string, content: Uint8Array, now: number): SqlStatement {
  return {
    sql: "INSERT INTO blobs (key, size, content, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
    args: [key, content.byteLength, content, now],
  };
}

/**
 * Deletes the blobs of the messages `scope` selects (raw bytes and attachment
 * bytes) that no message or attachment outside that scope refers to. Run it
 * before the rows themselves are deleted, in the same batch. `scope` is a
 * condition on `messages` (tenant-filtered by the caller) with its arguments.
 */
export function orphanedBlobDeletion(scope: { where: string; args: Array<string | number> }): SqlStatement {
  const inScope = `SELECT id FROM messages WHERE ${scope.where}`;
  return {
    sql: `DELETE FROM blobs WHERE key IN (
        SELECT raw_blob FROM messages WHERE ${scope.where}
        UNION SELECT blob_key FROM attachments WHERE message_id IN (${inScope}))
      AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.raw_blob = blobs.key AND m.id NOT IN (${inScope}))
      AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.blob_key = blobs.key AND a.message_id NOT IN (${inScope}))`,
    args: [...scope.args, ...scope.args, ...scope.args, ...scope.args],
  };
}
