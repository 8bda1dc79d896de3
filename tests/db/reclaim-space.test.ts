import { afterAll, expect, test } from "bun:test";
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { createDatabase } from "../../db/client";
import { reclaimFreePages } from "../../db/reclaim-space";
import { tempDir } from "../helpers/harness";

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const size = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

async function fillAndEmpty(client: ReturnType<typeof createClient>) {
  await client.execute("CREATE TABLE mail (id INTEGER PRIMARY KEY, raw BLOB)");
  await client.execute("CREATE TABLE kept (note TEXT)");
  for (let i = 0; i < 12; i++) {
    await client.execute({
      sql: "INSERT INTO mail (raw) VALUES (?)",
      args: [new Uint8Array(1_000_000).fill(i)],
    });
    await client.execute({ sql: "INSERT INTO kept VALUES (?)", args: [`note ${i}`] });
  }
  await client.execute("DELETE FROM mail");
}

test("a new file database gives deleted mail's pages back to the file system, WAL included, keeping the rest", async () => {
  const path = join(dir, "new.db");
  const database = await createDatabase({ url: `file:${path}` });
  expect(Number((await database.client.execute("PRAGMA auto_vacuum")).rows[0]?.[0])).toBe(2); // INCREMENTAL
  await fillAndEmpty(database.client);
  const before = size(path) + size(`${path}-wal`);
  expect(before).toBeGreaterThan(11_000_000);

  const pages = await reclaimFreePages(database.client);
  expect(pages).toBeGreaterThan(2500);
  expect(size(path) + size(`${path}-wal`)).toBeLessThan(1_000_000);
  expect(Number((await database.client.execute("PRAGMA freelist_count")).rows[0]?.[0])).toBe(0);
  const kept = await database.client.execute("SELECT count(*) FROM kept");
  expect(Number(kept.rows[0]?.[0])).toBe(12);
  expect((await database.client.execute("PRAGMA integrity_check")).rows[0]?.[0]).toBe("ok");
  // Nothing left to give: a second call is a no-op.
  expect(await reclaimFreePages(database.client)).toBe(0);
  database.close();
});

test("a database made without auto_vacuum is left as it is (README: one VACUUM converts it)", async () => {
  const path = join(dir, "old.db");
  const client = createClient({ url: `file:${path}` });
  await client.execute("PRAGMA journal_mode = WAL");
  await fillAndEmpty(client);
  expect(await reclaimFreePages(client)).toBe(0);
  expect(Number((await client.execute("PRAGMA freelist_count")).rows[0]?.[0])).toBeGreaterThan(2500);
  client.close();
  // Opening it through OmniMail does not convert it either: auto_vacuum needs a VACUUM on a database with tables.
  const reopened = await createDatabase({ url: `file:${path}` });
  expect(Number((await reopened.client.execute("PRAGMA auto_vacuum")).rows[0]?.[0])).toBe(0);
  await reopened.client.executeMultiple("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;");
  expect(Number((await reopened.client.execute("PRAGMA auto_vacuum")).rows[0]?.[0])).toBe(2);
  reopened.close();
});
