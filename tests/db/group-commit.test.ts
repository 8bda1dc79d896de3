import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createLogger } from "../../core/logger";
import { createDatabase } from "../../db/client";
import { classifyStoreError, commit, createInlineStore, StoreWriteError } from "../../db/store";
import { createGroupCommitWriter } from "../../runtime/writer/group-commit";
import { createPreparedClient } from "../../runtime/writer/prepared-client";
import { startThreadStore } from "../../runtime/writer/thread-store";
import { tempDir, waitFor } from "../helpers/harness";

const dir = tempDir("omnimail-group-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const insert = (n: number) => [{ sql: "INSERT INTO t (n) VALUES (?)", args: [n] }];
const logger = createLogger("silent", "test");

async function tableDatabase(name: string) {
  const url = `file:${join(dir, name)}`;
  const database = await createDatabase({ url, busyTimeoutMs: 300 });
  await database.client.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)");
  const count = async () => Number((await database.client.execute("SELECT count(*) AS n FROM t")).rows[0]?.n);
  return { url, database, count };
}

/** What group commit commits through: @libsql/client (remote databases) or the writer thread's prepared connection (file). */
const committers = {
  "@libsql/client": (database: Awaited<ReturnType<typeof tableDatabase>>) => database.database.client,
  "prepared connection": (database: Awaited<ReturnType<typeof tableDatabase>>) =>
    createPreparedClient({ url: database.url, busyTimeoutMs: 300 }),
};

describe.each(Object.keys(committers) as Array<keyof typeof committers>)(
  "group commit through %s",
  (name) => {
    const committerOf = committers[name];
    test("concurrent batches share commits, each is answered after its own commit, and a bad batch fails alone", async () => {
      const table = await tableDatabase(`group-${name.length}.db`);
      const { database } = table;
      const write = createGroupCommitWriter(committerOf(table));
      const outcomes = await Promise.all([
        ...Array.from({ length: 200 }, (_, n) => write({ statements: insert(n) })),
        // A duplicate key: its group fails, it is retried alone and fails; the others commit.
        write({ statements: [...insert(1000), ...insert(1000)] }),
      ]);
      expect(outcomes.slice(0, 200).every((outcome) => outcome.status === "committed")).toBe(true);
      expect(outcomes[200]).toMatchObject({ status: "failed", kind: "constraint" });
      const count = await database.client.execute("SELECT count(*) AS n, max(n) AS top FROM t");
      expect([Number(count.rows[0]?.n), Number(count.rows[0]?.top)]).toEqual([200, 199]);
      // 201 batches in far fewer transactions: that is the point.
      expect(write.stats.batches).toBe(200);
      expect(write.stats.commits).toBeLessThan(50);
      database.close();
    });

    test("a group with many blob bytes commits one statement at a time, collecting garbage between, all or nothing", async () => {
      const table = await tableDatabase(`steps-${name.length}.db`);
      const { database } = table;
      await database.client.execute("CREATE TABLE b (n INTEGER PRIMARY KEY, content BLOB)");
      let collections = 0;
      const write = createGroupCommitWriter(committerOf(table), {
        inSteps: {
          aboveBytes: 1000,
          collectGarbage: { everyBytes: 1000, collect: async () => void collections++ },
        },
      });
      const blob = (n: number) => ({
        sql: "INSERT INTO b (n, content) VALUES (?, ?)",
        args: [n, new Uint8Array(600)],
      });
      const [stored, small] = await Promise.all([
        write({ statements: [blob(1), blob(2), blob(3), blob(4)] }),
        write({ statements: insert(1) }),
      ]);
      expect(stored).toMatchObject({ status: "committed" });
      expect(stored.status === "committed" && stored.results.map((result) => result.rowsAffected)).toEqual([
        1, 1, 1, 1,
      ]);
      expect(small).toMatchObject({ status: "committed" });
      // 2,400 bytes: collected after each 1,000 and once at the end.
      expect(collections).toBeGreaterThanOrEqual(3);
      const rows = await database.client.execute(
        "SELECT count(*) AS n, sum(length(content)) AS bytes FROM b",
      );
      expect([Number(rows.rows[0]?.n), Number(rows.rows[0]?.bytes)]).toEqual([4, 2400]);

      // A statement that fails part-way: none of that batch's rows commit.
      const failed = await write({ statements: [blob(5), blob(6), blob(1)] });
      expect(failed).toMatchObject({ status: "failed", kind: "constraint" });
      expect(Number((await database.client.execute("SELECT count(*) AS n FROM b")).rows[0]?.n)).toBe(4);
      database.close();
    });

    test("a batch still queued at its deadline is dropped unstarted (expired) and never commits", async () => {
      const table = await tableDatabase(`deadline-${name.length}.db`);
      const { url, database, count } = table;
      const write = createGroupCommitWriter(committerOf(table));
      // Another connection holds the write lock, so the first group waits on BEGIN IMMEDIATE.
      const holder = await createDatabase({ url });
      const lock = await holder.client.transaction("write");
      await lock.execute({ sql: "INSERT INTO t (n) VALUES (?)", args: [-1] });
      const first = write({ statements: insert(1) });
      const queued = write({ statements: insert(2), deadline: Date.now() + 50 });
      const outcomes = await Promise.all([first, queued]);
      await lock.rollback();
      lock.close();
      // The first had started: its true outcome (busy, rolled back). The second never started.
      expect(outcomes[0]).toMatchObject({ status: "failed", kind: "busy" });
      expect(outcomes[1]).toEqual({ status: "expired" });
      await Bun.sleep(100);
      expect(await count()).toBe(0);
      // The lock is gone: the same writer commits again (after SQLITE_BUSY the prepared connection is replaced).
      expect(await write({ statements: insert(3) })).toMatchObject({ status: "committed" });
      expect(await count()).toBe(1);
      holder.close();
      database.close();
    });
  },
);

test("the inline store answers committed with results, failed with the kind, expired past the deadline", async () => {
  const { database } = await tableDatabase("inline.db");
  const store = createInlineStore(database);
  const ok = await store.write({
    statements: [...insert(1), { sql: "SELECT n FROM t WHERE n = ?", args: [1] }],
  });
  expect(ok).toEqual({
    status: "committed",
    results: [
      { rowsAffected: 1, rows: [] },
      { rowsAffected: 0, rows: [{ n: 1 }] },
    ],
  });
  expect(await store.write({ statements: insert(1) })).toMatchObject({
    status: "failed",
    kind: "constraint",
  });
  expect(await store.write({ statements: insert(2), deadline: Date.now() - 1 })).toEqual({
    status: "expired",
  });
  await expect(commit(store, insert(1))).rejects.toBeInstanceOf(StoreWriteError);
  await store.close();
});

test("errors are classified by kind", () => {
  expect(classifyStoreError(Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" }))).toBe(
    "busy",
  );
  expect(classifyStoreError(new Error("SQLITE_FULL: database or disk is full"))).toBe("full");
  expect(classifyStoreError(new Error("SQLITE_IOERR_WRITE: disk I/O error"))).toBe("io");
  expect(classifyStoreError(new Error("fetch failed", { cause: new Error("ECONNREFUSED") }))).toBe(
    "unavailable",
  );
  expect(classifyStoreError(new Error("UNIQUE constraint failed: t.n"))).toBe("constraint");
});

test("the writer thread commits in its own thread, answers with the outcome, and comes back after a crash", async () => {
  const { url, database, count } = await tableDatabase("thread.db");
  const fatal: Error[] = [];
  const store = await startThreadStore({
    database,
    url,
    busyTimeoutMs: 1000,
    logger,
    restartDelayMs: 300,
    onFatal: (error) => fatal.push(error),
  });
  const outcomes = await Promise.all(
    Array.from({ length: 100 }, (_, n) => store.write({ statements: insert(n) })),
  );
  expect(outcomes.every((outcome) => outcome.status === "committed")).toBe(true);
  expect(await store.write({ statements: insert(5) })).toMatchObject({
    status: "failed",
    kind: "constraint",
  });
  // Committed rows are visible to the main thread's own connection at once.
  expect(await count()).toBe(100);
  expect(await store.health()).toEqual({ ok: true, detail: "ready" });

  store.crashWriterForTest();
  await waitFor(async () => ((await store.health()).ok ? undefined : true));
  // A write while it is down waits for the restart instead of failing.
  const during = store.write({ statements: insert(500), deadline: Date.now() + 10_000 });
  await waitFor(async () => ((await store.health()).ok ? true : undefined), 10_000);
  expect(await during).toMatchObject({ status: "committed" });
  expect(await count()).toBe(101);
  expect(fatal).toEqual([]);
  await store.close();
});

test("a group stops growing at its byte bound (a remote database takes each commit as one request)", async () => {
  const { database, count } = await tableDatabase("bytes.db");
  await database.client.execute("ALTER TABLE t ADD COLUMN blob BLOB");
  const write = createGroupCommitWriter(database.client, { maxBytesPerCommit: 100_000 });
  const row = (n: number) => [
    { sql: "INSERT INTO t (n, blob) VALUES (?, ?)", args: [n, new Uint8Array(30_000)] },
  ];
  const outcomes = await Promise.all(Array.from({ length: 20 }, (_, n) => write({ statements: row(n) })));
  expect(outcomes.every((outcome) => outcome.status === "committed")).toBe(true);
  expect(await count()).toBe(20);
  // 30 KB each (40 KB as base64): at most two per group, so at least ten commits.
  expect(write.stats.commits).toBeGreaterThanOrEqual(10);
  database.close();
});

test("with concurrency, groups travel at once: a slow commit does not hold the next one", async () => {
  const { database, count } = await tableDatabase("lanes.db");
  let inFlight = 0;
  let peak = 0;
  // A client whose commits take 100 ms on the way back, as a remote database's do.
  const slow = {
    batch: async (...args: Parameters<typeof database.client.batch>) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      const results = await database.client.batch(...args);
      await Bun.sleep(100);
      inFlight--;
      return results;
    },
    transaction: database.client.transaction.bind(database.client),
  };
  const write = createGroupCommitWriter(slow, { concurrency: 4 });
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: 8 }, async (_, n) => {
      await Bun.sleep(n * 5);
      return write({ statements: insert(n) });
    }),
  );
  expect(outcomes.every((outcome) => outcome.status === "committed")).toBe(true);
  expect(await count()).toBe(8);
  expect(peak).toBeGreaterThan(1);
  expect(peak).toBeLessThanOrEqual(4);
  // One lane would take at least 2 × 100 ms for two groups; four overlap them.
  expect(performance.now() - started).toBeLessThan(800);
  database.close();
});
