import type { InValue } from "@libsql/client";
import type { Db } from "../../db/client";
import { NotFoundError } from "../errors";
import { listMessages, type MessageSummaryRow } from "../messages/read";

/**
 * A tenant's conversations (the `threads` rows the message triggers keep),
 * newest activity first, and one thread with its messages oldest first. A
 * page is one read: the threads and, per thread, its participants (from its
 * messages, by the thread index).
 */
export interface ThreadRow {
  id: string;
  mailboxId: string;
  subject: string | null;
  messageCount: number;
  unreadCount: number;
  participants: string[];
  firstMessageAt: number;
  lastMessageAt: number;
}

const PARTICIPANTS = `(SELECT json_group_array(value) FROM (SELECT DISTINCT p.value FROM messages m, json_each(m.participants) p
  WHERE m.tenant_id = t.tenant_id AND m.mailbox_id = t.mailbox_id AND m.thread_id = t.id LIMIT 50)) AS participants`;

function toThreadRow(row: Record<string, unknown>): ThreadRow {
  let participants: string[] = [];
  try {
    participants = JSON.parse(String(row.participants ?? "[]")) as string[];
  } catch {
    participants = [];
  }
  return {
    id: String(row.id),
    mailboxId: String(row.mailbox_id),
    subject: row.subject === null ? null : String(row.subject),
    messageCount: Number(row.message_count),
    unreadCount: Number(row.unread_count),
    participants,
    firstMessageAt: Number(row.first_message_at),
    lastMessageAt: Number(row.last_message_at),
  };
}

/** `before` is the last thread of the previous page: its activity time and id. */
export async function listThreads(
  db: Db,
  tenantId: string,
  page: { limit: number; mailboxId?: string | undefined; before?: string | undefined },
): Promise<ThreadRow[]> {
  const conditions = ["t.tenant_id = ?"];
  const args: InValue[] = [tenantId];
  if (page.mailboxId) {
    conditions.push("t.mailbox_id = ?");
    args.push(page.mailboxId);
  }
  if (page.before) {
    conditions.push(
      "(t.last_message_at, t.id) < ((SELECT last_message_at FROM threads WHERE tenant_id = ? AND id = ?), ?)",
    );
    args.push(tenantId, page.before, page.before);
  }
  const [found, mailbox] = await db.$client.batch(
    [
      {
        sql: `SELECT t.*, ${PARTICIPANTS} FROM threads t WHERE ${conditions.join(" AND ")}
          ORDER BY t.last_message_at DESC, t.id DESC LIMIT ?`,
        args: [...args, page.limit],
      },
      {
        sql: "SELECT 1 FROM mailboxes WHERE tenant_id = ? AND id = ?",
        args: [tenantId, page.mailboxId ?? ""],
      },
    ],
    "read",
  );
  if (page.mailboxId && (mailbox?.rows.length ?? 0) === 0)
    throw new NotFoundError(`no mailbox ${page.mailboxId}`);
  return (found?.rows ?? []).map((row) => toThreadRow(row as Record<string, unknown>));
}

/** One thread and its messages (summaries, oldest first, at most `limit`). Another tenant's is NotFound. */
export async function getThread(
  db: Db,
  tenantId: string,
  id: string,
  limit = 500,
): Promise<{ thread: ThreadRow; messages: MessageSummaryRow[] }> {
  const found = await db.$client.execute({
    sql: `SELECT t.*, ${PARTICIPANTS} FROM threads t WHERE t.tenant_id = ? AND t.id = ?`,
    args: [tenantId, id],
  });
  const row = found.rows[0];
  if (!row) throw new NotFoundError(`no thread ${id}`);
  const thread = toThreadRow(row as Record<string, unknown>);
  const messages = await listMessages(
    db,
    tenantId,
    thread.mailboxId,
    { limit, oldestFirst: true },
    { threadId: id },
  );
  return { thread, messages };
}
