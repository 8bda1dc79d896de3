import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createDatabase } from "../../db/client";
import { toStatementResult } from "../../db/store";
import { createPreparedClient } from "../../runtime/writer/prepared-client";
import { tempDir } from "../helpers/harness";

const dir = tempDir("omnimail-prepared-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCHEMA = [
  "CREATE TABLE t (n INTEGER PRIMARY KEY, name TEXT, data BLOB, flag INTEGER)",
  "CREATE TABLE log (n INTEGER)",
  "CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO log (n) VALUES (NEW.n); END",
];

async function freshDatabase(name: string) {
  const url = `file:${join(dir, name)}`;
  const database = await createDatabase({ url });
  for (const sql of SCHEMA) await database.client.execute(sql);
  return { url, database };
}

const batch = (n: number) => [
  {
    sql: "INSERT INTO t (n, name, data, flag) VALUES (?, ?, ?, ?)",
    args: [n, `name ${n}`, new Uint8Array([n, 2, 3]), true],
  },
  {
    sql: "INSERT INTO t (n, name, data, flag) VALUES (?, ?, NULL, ?) RETURNING n, name, flag",
    args: [n + 1000, null, false],
  },
  { sql: "UPDATE t SET name = ? WHERE n <= ?", args: ["renamed", n] },
  { sql: "SELECT count(*) AS rows, sum(length(data)) AS bytes FROM t", args: [] },
];

test("the prepared connection answers a batch as @libsql/client does: rows, counts, triggers, blobs", async () => {
  const plain = await freshDatabase("plain.db");
  const prepared = await freshDatabase("prepared.db");
  const client = createPreparedClient({ url: prepared.url });
  for (let n = 1; n <= 3; n++) {
    const expected = (await plain.database.client.batch(batch(n), "write")).map(toStatementResult);
    const actual = (await client.batch(batch(n), "write")).map(toStatementResult);
    expect(actual).toEqual(expected);
  }
  // Each SQL text was prepared once and reused.
  expect(client.prepared).toBe(4);
  const read = async (database: typeof plain.database) =>
    (
      await database.client.execute(
        "SELECT t.n, name, hex(data) AS data, flag, (SELECT count(*) FROM log) AS logged FROM t ORDER BY n",
      )
    ).rows;
  expect(await read(prepared.database)).toEqual(await read(plain.database));
  client.close();
  plain.database.close();
  prepared.database.close();
});

test("a failed statement rolls its batch back and the connection goes on; large bindings are not kept", async () => {
  const { url, database } = await freshDatabase("failures.db");
  const client = createPreparedClient({ url });
  await client.batch(batch(1), "write");
  await expect(client.batch([...batch(5), ...batch(5)], "write")).rejects.toMatchObject({
    code: expect.stringMatching(/^SQLITE_CONSTRAINT/),
  });
  expect((await database.client.execute("SELECT count(*) AS n FROM t")).rows[0]?.n).toBe(2);
  await client.batch(batch(7), "write");
  expect((await database.client.execute("SELECT count(*) AS n FROM t")).rows[0]?.n).toBe(4);

  // A 1 MB text is bound, run, and its statement let go (SQLite keeps a copy of what a statement last bound).
  const before = client.prepared;
  await client.batch(
    [{ sql: "INSERT INTO log (n) SELECT length(?)", args: ["x".repeat(1024 * 1024)] }],
    "write",
  );
  expect(client.prepared).toBe(before);
  expect((await database.client.execute("SELECT max(n) AS n FROM log")).rows[0]?.n).toBe(1024 * 1024);
  client.close();
  database.close();
});
