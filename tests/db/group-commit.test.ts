import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createDatabase } from "../../db/client";
import { createGroupCommitWriter } from "../../db/group-commit";
import { startWriterThread } from "../../db/writer";
import { tempDir } from "../helpers/harness";

const dir = tempDir("omnimail-group-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const insert = (n: number) => [{ sql: "INSERT INTO t (n) VALUES (?)", args: [n] }];

test("concurrent batches share commits, each resolves after its own commit, and a bad batch fails alone", async () => {
  const database = await createDatabase({ url: `file:${join(dir, "group.db")}` });
  await database.client.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)");
  const write = createGroupCommitWriter(database.client);

  const results = await Promise.allSettled([
    ...Array.from({ length: 200 }, (_, n) => write(insert(n))),
    // A duplicate key: its group fails, it is retried alone and fails; the others commit.
    write([...insert(1000), ...insert(1000)]),
  ]);
  expect(results.slice(0, 200).every((result) => result.status === "fulfilled")).toBe(true);
  expect(results[200]?.status).toBe("rejected");
  const count = await database.client.execute("SELECT count(*) AS n, max(n) AS top FROM t");
  expect([Number(count.rows[0]?.n), Number(count.rows[0]?.top)]).toEqual([200, 199]);
  // 201 batches in far fewer transactions: that is the point.
  expect(write.stats.batches).toBe(200);
  expect(write.stats.commits).toBeLessThan(50);
  database.close();
});

test("the writer thread commits in its own thread and reports failures back", async () => {
  const url = `file:${join(dir, "thread.db")}`;
  const database = await createDatabase({ url });
  await database.client.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)");
  const writer = await startWriterThread({ url, busyTimeoutMs: 1000 });
  await Promise.all(Array.from({ length: 100 }, (_, n) => writer.write(insert(n))));
  const duplicate = await writer.write(insert(5)).then(
    () => "committed",
    (error: unknown) => String(error),
  );
  expect(duplicate).toContain("UNIQUE");
  // Committed rows are visible to the main thread's own connection at once.
  expect(Number((await database.client.execute("SELECT count(*) AS n FROM t")).rows[0]?.n)).toBe(100);
  await writer.close();
  database.close();
});
