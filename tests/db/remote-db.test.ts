import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient, type ResultSet } from "@libsql/client";
import { startRemoteDatabase } from "../helpers/remote-db";

// One server for the file; null in a clone without ../shared/hrana-test-server.
const remote = await startRemoteDatabase();
afterAll(() => remote?.stop());
const skip = remote === null;
if (skip)
  console.warn("remote-db: skipped, the shared libSQL test server (../shared/hrana-test-server) is absent");
const needsServer = (name: string, body: () => Promise<void>) =>
  test.skipIf(skip)(skip ? `${name} (skipped: no shared test server)` : name, body);

function connect(url: string): Client & Disposable {
  const client = createClient({ url });
  return Object.assign(client, { [Symbol.dispose]: () => client.close() });
}

/** The remote database; only called inside tests that are skipped without it. */
function server() {
  if (!remote) throw new Error("no remote database");
  return remote;
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await Bun.sleep(5);
  }
}

/** Whether `promise` is still pending after `ms`: for proving that something does not happen. */
async function stillPendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const pending = Symbol("pending");
  const first = await Promise.race([
    promise.then(
      () => null,
      () => null,
    ),
    Bun.sleep(ms).then(() => pending),
  ]);
  return first === pending;
}

needsServer(
  "statements, a write batch and reads go through the proxy, one pipeline request each",
  async () => {
    const { proxyUrl, proxy } = server();
    using client = connect(proxyUrl);
    proxy.resetCount();
    await client.execute("CREATE TABLE t(x)");
    await client.batch(
      [
        "INSERT INTO t VALUES (1)",
        { sql: "INSERT INTO t VALUES (?)", args: [2] },
        "INSERT INTO t VALUES ('three')",
      ],
      "write",
    );
    const read = await client.execute("SELECT x FROM t ORDER BY rowid");
    expect(read.rows.map((row) => row.x)).toEqual([1, 2, "three"]);
    expect(proxy.requests).toEqual({ "/v2/pipeline": 3 });
    proxy.resetCount();
    expect(proxy.requests).toEqual({});
  },
);

needsServer("setDelay slows each answer, after the statement has run on the server", async () => {
  const { url, proxyUrl, proxy } = server();
  using client = connect(proxyUrl);
  using direct = connect(url);
  await client.execute("CREATE TABLE delayed(x)");
  proxy.setDelay(300);
  try {
    const started = performance.now();
    let answered = false;
    const insert = client.execute("INSERT INTO delayed VALUES (1)").finally(() => {
      answered = true;
    });
    // A client that bypasses the proxy sees the row while the answer is still on its way.
    let seen = 0;
    while (seen === 0 && !answered) {
      seen = Number((await direct.execute("SELECT count(*) AS n FROM delayed")).rows[0]?.n);
    }
    expect({ seen, answered }).toEqual({ seen: 1, answered: false });
    await insert;
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  } finally {
    proxy.setDelay(0);
  }
  const started = performance.now();
  await client.execute("SELECT 1");
  expect(performance.now() - started).toBeLessThan(300);
});

needsServer("stall holds a query, neither forwarded nor answered, until resume", async () => {
  const { proxyUrl, proxy } = server();
  using client = connect(proxyUrl);
  proxy.resetCount();
  proxy.stall();
  let query: Promise<ResultSet> | undefined;
  try {
    query = client.execute("SELECT 42 AS answer");
    await until(() => proxy.held === 1);
    expect(await stillPendingAfter(query, 200)).toBe(true);
    expect(proxy.requests).toEqual({});
  } finally {
    proxy.resume();
  }
  expect((await query)?.rows[0]?.answer).toBe(42);
  expect(proxy.held).toBe(0);
  expect(proxy.requests).toEqual({ "/v2/pipeline": 1 });
});

needsServer("down answers 503 or refuses connections; up forwards again on the same port", async () => {
  const { proxyUrl, proxy } = server();
  using client = connect(proxyUrl);
  try {
    await proxy.down();
    const answer = await fetch(`${proxyUrl}/v2`);
    expect({ status: answer.status, body: await answer.text() }).toEqual({
      status: 503,
      body: "the database proxy is down",
    });
    await expect(client.execute("SELECT 1")).rejects.toThrow();
    await proxy.down("refuse");
    await expect(fetch(`${proxyUrl}/v2`)).rejects.toThrow();
    await expect(client.execute("SELECT 1")).rejects.toThrow();
  } finally {
    proxy.up();
  }
  expect((await client.execute("SELECT 1 AS one")).rows[0]?.one).toBe(1);
});

needsServer("FTS5 is available on the remote database", async () => {
  using client = connect(server().proxyUrl);
  await client.execute("CREATE VIRTUAL TABLE f USING fts5(a)");
  await client.batch(
    ["INSERT INTO f(a) VALUES ('invoice for march')", "INSERT INTO f(a) VALUES ('meeting notes')"],
    "write",
  );
  const hits = await client.execute({
    sql: "SELECT a FROM f WHERE f MATCH ? ORDER BY rank",
    args: ["invoice"],
  });
  expect(hits.rows.map((row) => row.a)).toEqual(["invoice for march"]);
});

test("without the shared server the helper returns null, or throws when it is required", async () => {
  const dir = mkdtempSync(join(tmpdir(), "omnimail-no-shared-"));
  try {
    const serverDir = join(dir, "hrana-test-server");
    expect(await startRemoteDatabase({ serverDir, required: false })).toBeNull();
    await expect(startRemoteDatabase({ serverDir, required: true })).rejects.toThrow(/missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
