import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { migrateDatabase } from "../../db/migrate";
import { openTestDatabase, tempDir } from "../helpers/harness";

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("file databases run in WAL with synchronous=FULL and the busy timeout, on every pooled connection", async () => {
  const { database } = await openTestDatabase(dir, 1234);
  const readPragmas = async () => ({
    journal: (await database.client.execute("PRAGMA journal_mode")).rows[0]?.[0],
    synchronous: Number((await database.client.execute("PRAGMA synchronous")).rows[0]?.[0]),
    busy: Number((await database.client.execute("PRAGMA busy_timeout")).rows[0]?.[0]),
  });
  expect(await readPragmas()).toEqual({ journal: "wal", synchronous: 2, busy: 1234 });
  // A transaction borrows its own connection from the pool: same settings there.
  const tx = await database.client.transaction("read");
  expect(Number((await tx.execute("PRAGMA synchronous")).rows[0]?.[0])).toBe(2);
  expect(Number((await tx.execute("PRAGMA busy_timeout")).rows[0]?.[0])).toBe(1234);
  tx.close();
  database.close();
});

test("migrations are idempotent and create the whole data model", async () => {
  const { database } = await openTestDatabase(dir);
  await migrateDatabase(database);
  const tables = (
    await database.client.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
  ).rows.map((row) => String(row.name));
  for (const table of [
    "tenants",
    "api_keys",
    "domains",
    "mailboxes",
    "messages",
    "attachments",
    "messages_fts",
    "webhook_endpoints",
    "webhook_deliveries",
  ]) {
    expect(tables).toContain(table);
  }
  database.close();
});
