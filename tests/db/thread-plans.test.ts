import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { threadIdSql, threadLookupOf } from "../../core/threads/assign";
import { openTestDatabase, tempDir } from "../helpers/harness";

/**
 * The thread of a new message is decided by two lookups inside its commit
 * (core/threads/assign.ts). Each must be an index search: once the planner
 * chose the thread index for the reference lookup and scanned the whole
 * mailbox per message stored, and ingest slowed with every message.
 */

const dir = tempDir("omnimail-plans-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("thread lookups", () => {
  test("by reference and by subject, each an index search, never a scan of the mailbox", async () => {
    const { database } = await openTestDatabase(dir);
    const { lookup, bySubject } = threadLookupOf({
      tenantId: "tnt_x",
      mailboxId: "mbx_x",
      references: ["<a@example.org>", "<b@example.org>"],
      subjectKey: "quote for 40 units",
      participants: ["alice@example.org"],
      receivedAt: Date.now(),
      newThreadId: "thr_x",
    });
    expect(bySubject).toBe(true);
    const query = new SQLiteSyncDialect().sqlToQuery(threadIdSql(lookup, bySubject));
    const plan = await database.client.execute({
      sql: `EXPLAIN QUERY PLAN SELECT ${query.sql}`,
      args: query.params as never,
    });
    const details = plan.rows.map((row) => String(row.detail));
    expect(details).toContainEqual(
      expect.stringContaining(
        "USING INDEX messages_message_id_idx (tenant_id=? AND mailbox_id=? AND message_id=?)",
      ),
    );
    expect(details).toContainEqual(
      expect.stringContaining(
        "USING INDEX messages_thread_subject_idx (tenant_id=? AND mailbox_id=? AND thread_subject=?)",
      ),
    );
    expect(details.filter((detail) => /SCAN messages|messages_thread_idx/.test(detail))).toEqual([]);
    database.close();
  });
});
