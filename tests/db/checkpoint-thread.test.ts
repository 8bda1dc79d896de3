import { afterAll, expect, test } from "bun:test";
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { createLogger } from "../../core/logger";
import { createDatabase } from "../../db/client";
import { startThreadStore } from "../../runtime/writer/thread-store";
import { tempDir, waitFor } from "../helpers/harness";

// A file database's WAL is copied into it by the checkpoint thread (runtime/writer/checkpoint-thread.ts),
// beside the writer's commits instead of inside one of them, and stays bounded.
const dir = tempDir("omnimail-checkpoint-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const logger = createLogger("silent", "test");
const ROW_BYTES = 16 * 1024;

async function blobStore(name: string) {
  const path = join(dir, name);
  const url = `file:${path}`;
  const database = await createDatabase({ url, busyTimeoutMs: 1000 });
  await database.client.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, blob BLOB NOT NULL)");
  const store = await startThreadStore({ database, url, busyTimeoutMs: 1000, logger, restartDelayMs: 200 });
  const writeRows = async (from: number, count: number) => {
    const outcomes = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        store.write({
          statements: [
            { sql: "INSERT INTO t (n, blob) VALUES (?, randomblob(?))", args: [from + index, ROW_BYTES] },
          ],
        }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status !== "committed")).toEqual([]);
  };
  const walBytes = () => {
    try {
      return statSync(`${path}-wal`).size;
    } catch {
      return 0;
    }
  };
  return { database, store, writeRows, walBytes };
}

test("the checkpoint thread copies the WAL into the database while the writer commits", async () => {
  const { database, store, writeRows } = await blobStore("copied.db");
  expect(store.checkpointedFrames).toBe(0);
  await writeRows(0, 100);
  // ~400 pages: under both automatic thresholds (SQLite's 1,000, the writer's 4,000), so only the thread copies them.
  await waitFor(() => (store.checkpointedFrames >= 400 ? true : undefined), 5000);
  const rows = await database.client.execute("SELECT count(*) AS n, sum(length(blob)) AS bytes FROM t");
  expect(rows.rows[0]).toMatchObject({ n: 100, bytes: 100 * ROW_BYTES });
  expect((await database.client.execute("PRAGMA integrity_check")).rows[0]?.[0]).toBe("ok");
  await store.close();
});

test("a restarted writer thread starts a checkpoint thread again", async () => {
  const { store, writeRows } = await blobStore("restart.db");
  await writeRows(0, 50);
  await waitFor(() => (store.checkpointedFrames > 0 ? true : undefined), 5000);
  store.crashWriterForTest();
  await waitFor(async () => ((await store.health()).ok ? undefined : true));
  await waitFor(async () => ((await store.health()).ok ? true : undefined), 10_000);
  const before = store.checkpointedFrames;
  await writeRows(1000, 50);
  await waitFor(() => (store.checkpointedFrames > before ? true : undefined), 5000);
  await store.close();
});

test("under a steady stream of commits the WAL stays bounded", async () => {
  const { database, store, writeRows, walBytes } = await blobStore("bounded.db");
  let largest = 0;
  // 1,200 rows of 16 KB in waves of 60 (group commits): ~19 MB through the WAL, past the writer's backstop.
  for (let wave = 0; wave < 20; wave++) {
    await writeRows(wave * 60, 60);
    largest = Math.max(largest, walBytes());
  }
  // The writer's backstop is 4,000 pages (16 MB); one group past it is the most the WAL can hold beyond.
  expect(largest).toBeLessThan(16 * 1024 * 1024 + 60 * (ROW_BYTES + 4096) * 2);
  expect(largest).toBeGreaterThan(0);
  const rows = await database.client.execute("SELECT count(*) AS n FROM t");
  expect(Number(rows.rows[0]?.n)).toBe(1200);
  await store.close();
});
