import type { InValue } from "@libsql/client";
import type { SqlStatement } from "../../db/statements";
import { commit, type Store } from "../../db/store";
import { idAt } from "../ids";
import { analyzeBody, classifyKind, derivedFieldsOf, threadKeysOf } from "./analyze";
import { blobBytes, readBlob } from "./blobs";
import { parseMessage } from "./parse";

/**
 * `omnimail messages reparse`: when the parser improves, the fields derived
 * from a message's bytes are computed again for mail already stored — from
 * the raw bytes, never from what was derived before — in batches of
 * `batchSize` messages (each batch one commit), oldest first, reporting
 * progress. Idempotent: running it twice leaves the same rows. Threads are
 * re-decided too: a message joins the thread of a message it refers to that
 * was stored before it (in id order, as ingest would have decided).
 */
export interface ReparseScope {
  tenantId: string;
  mailboxId?: string | undefined;
  /** Only messages received at or after this (epoch ms). */
  since?: number | undefined;
}

export async function reparseMessages(
  store: Store,
  scope: ReparseScope,
  options: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ reparsed: number }> {
  const db = store.db;
  const conditions = ["m.tenant_id = ?"];
  const args: InValue[] = [scope.tenantId];
  if (scope.mailboxId) {
    conditions.push("m.mailbox_id = ?");
    args.push(scope.mailboxId);
  }
  if (scope.since !== undefined) {
    conditions.push("m.id >= ?");
    args.push(idAt("message", scope.since));
  }
  const where = conditions.join(" AND ");
  const total = Number(
    (await db.$client.execute({ sql: `SELECT count(*) AS n FROM messages m WHERE ${where}`, args })).rows[0]
      ?.n ?? 0,
  );
  const batchSize = options.batchSize ?? 100;
  let after = "";
  let done = 0;
  for (;;) {
    const rows = (
      await db.$client.execute({
        sql: `SELECT m.id, m.mailbox_id, m.envelope_from, m.received_at, b.key, b.size, b.content
          FROM messages m JOIN blobs b ON b.key = m.raw_blob
          WHERE ${where} AND m.id > ? ORDER BY m.id LIMIT ?`,
        args: [...args, after, batchSize],
      })
    ).rows;
    if (rows.length === 0) break;
    const statements: SqlStatement[] = [];
    for (const row of rows) {
      const raw = await readBlob(db.$client, String(row.key), Number(row.size), blobBytes(row.content));
      statements.push(await reparsedRow(scope.tenantId, row as Record<string, unknown>, raw));
    }
    await commit(store, statements);
    done += rows.length;
    after = String(rows[rows.length - 1]?.id);
    options.onProgress?.(done, total);
  }
  return { reparsed: done };
}

async function reparsedRow(
  tenantId: string,
  row: Record<string, unknown>,
  raw: Uint8Array,
): Promise<SqlStatement> {
  const id = String(row.id);
  const mailboxId = String(row.mailbox_id);
  const parsed = await parseMessage(raw);
  const content = parsed.ok ? parsed.content : parsed.headersOnly;
  const analysis = parsed.ok ? analyzeBody(parsed.content) : null;
  const kind = classifyKind(content, String(row.envelope_from ?? ""));
  const { subjectKey, participants, references } = threadKeysOf(content);
  const derived = JSON.stringify(derivedFieldsOf(analysis, kind, content));
  // The thread of an earlier message (by id) it refers to, else the one it has.
  return {
    sql: `UPDATE messages SET text = coalesce(?, text), text_source = ?, kind = ?, derived = ?, thread_subject = ?,
        participants = ?,
        thread_id = coalesce((SELECT p.thread_id FROM messages p INDEXED BY messages_message_id_idx
            WHERE p.tenant_id = ? AND p.mailbox_id = ?
            AND p.id < ? AND p.message_id IN (SELECT value FROM json_each(?)) ORDER BY p.id DESC LIMIT 1), thread_id)
      WHERE tenant_id = ? AND id = ?`,
    args: [
      analysis?.text ?? null,
      analysis?.textSource ?? null,
      kind.kind,
      derived,
      subjectKey,
      JSON.stringify(participants),
      tenantId,
      mailboxId,
      id,
      JSON.stringify(references),
      tenantId,
      id,
    ],
  };
}
