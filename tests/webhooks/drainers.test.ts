import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { createLogger } from "../../core/logger";
import { type DrainOptions, drainOutbox } from "../../core/outbox/drain";
import { deliveryInsert } from "../../core/outbox/enqueue";
import { createTenant } from "../../core/tenancy/tenants";
import { createEndpoint } from "../../core/webhooks/endpoints";
import { createFetchTransport } from "../../core/webhooks/transport";
import type { Database } from "../../db/client";
import { createDatabase } from "../../db/client";
import { createInlineStore, type Store } from "../../db/store";
import { createGuardedTransport } from "../../runtime/webhook-transport";
import { openTestDatabase, tempDir, waitFor } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";

// Two drainers on one database file, each with its own client (as two processes would have).
const dir = tempDir();
let first: Database;
let second: Database;
let receiver: Receiver;
let endpointId: string;
let secondEndpointId: string;
let tenantId: string;
const logger = createLogger("silent", "test");

beforeAll(async () => {
  ({ database: first } = await openTestDatabase(dir));
  second = await createDatabase({ url: `file:${dir}/omnimail.db` });
  receiver = startReceiver();
  const store = createInlineStore(first);
  const { tenant } = await createTenant(store, { name: "drainers" });
  tenantId = tenant.id;
  endpointId = (await createEndpoint(store, tenantId, { url: receiver.url }, { allowPrivate: true })).id;
  secondEndpointId = (
    await createEndpoint(store, tenantId, { url: `${receiver.url}?second` }, { allowPrivate: true })
  ).id;
});
afterAll(() => {
  receiver.stop();
  first.close();
  second.close();
  rmSync(dir, { recursive: true, force: true });
});

async function enqueue(count: number, endpoint = () => endpointId) {
  const now = Date.now();
  const statements = Array.from(
    { length: count },
    (_, i) =>
      deliveryInsert(first.db, {
        endpointId: endpoint(),
        tenantId,
        messageId: null,
        event: {
          type: "webhook.test",
          timestamp: new Date(now).toISOString(),
          data: { endpoint_id: endpointId, message: `test ${i}` },
        },
        now,
      }).statement,
  );
  await first.client.batch(statements, "write");
}

const drainerOn = (database: Database, owner: string, options: DrainOptions = { concurrency: 4 }) => {
  const store: Store = createInlineStore(database);
  return () =>
    drainOutbox(
      {
        store,
        transport: createFetchTransport({ allowPrivate: true }),
        logger,
        retryScheduleSeconds: [1],
        owner,
      },
      options,
    );
};

async function attemptRows(): Promise<number> {
  const rows = await first.client.execute("SELECT count(*) AS n FROM webhook_attempts");
  return Number(rows.rows[0]?.n);
}

test("two drainers at once send each event exactly once", async () => {
  receiver.received.length = 0;
  // A receiver that takes a moment, so the two drainers' batches overlap in time.
  receiver.respond = () => Bun.sleep(2).then(() => new Response("ok"));
  await enqueue(300);
  // Fair shares are wide here, so both drainers find rows to claim while the other sends.
  const options: DrainOptions = { concurrency: 4, perEndpoint: 16 };
  const [a, b] = await Promise.all([
    drainerOn(first, "drainer-a", options)(),
    drainerOn(second, "drainer-b", options)(),
  ]);
  expect((a?.delivered ?? 0) + (b?.delivered ?? 0)).toBe(300);
  expect(a?.delivered).toBeGreaterThan(0);
  expect(b?.delivered).toBeGreaterThan(0);
  const ids = receiver.received.map((hook) => hook.headers["webhook-id"]);
  expect(ids.length).toBe(300);
  expect(new Set(ids).size).toBe(300);
});

test("a receiver slow for its first 30 requests: two drainers still send every event once per endpoint, one attempt row per POST", async () => {
  receiver.received.length = 0;
  const startAttempts = await attemptRows();
  // Each slow answer takes 80 % of the timeout, as a receiver at 12 s of a 15 s timeout does.
  const timeoutMs = 1500;
  receiver.respond = (_hook, index) =>
    index < 30 ? Bun.sleep(timeoutMs * 0.8).then(() => new Response("slow ok")) : new Response("ok");
  await enqueue(60);
  await enqueue(60, () => secondEndpointId);
  const options: DrainOptions = { concurrency: 16, timeoutMs, leaseMarginMs: 200 };
  const [a, b] = await Promise.all([
    drainerOn(first, "slow-a", options)(),
    drainerOn(second, "slow-b", options)(),
  ]);
  expect((a?.delivered ?? 0) + (b?.delivered ?? 0)).toBe(120);
  const byEndpoint = new Map<string, string[]>();
  for (const hook of receiver.received) {
    const list = byEndpoint.get(hook.query) ?? [];
    list.push(hook.headers["webhook-id"] ?? "");
    byEndpoint.set(hook.query, list);
  }
  for (const ids of byEndpoint.values()) {
    expect(ids.length).toBe(60);
    expect(new Set(ids).size).toBe(60);
  }
  expect((await attemptRows()) - startAttempts).toBe(receiver.received.length);
});

test("a dead endpoint holds at most its fair share of the send slots", async () => {
  receiver.received.length = 0;
  let inFlightToFirst = 0;
  let peakToFirst = 0;
  receiver.respond = async (hook) => {
    if (hook.query === "?second") return new Response("ok");
    inFlightToFirst++;
    peakToFirst = Math.max(peakToFirst, inFlightToFirst);
    // Slow and failing, as an endpoint that is down behind a proxy is.
    await Bun.sleep(450);
    inFlightToFirst--;
    return new Response("down", { status: 503 });
  };
  await enqueue(20);
  await enqueue(20, () => secondEndpointId);
  const started = Date.now();
  const counts = await drainerOn(first, "fair", {
    concurrency: 8,
    perEndpoint: 2,
    timeoutMs: 500,
    budgetMs: 1500,
  })();
  // Every event to the healthy endpoint went while the dead one timed out two at a time.
  const toSecond = receiver.received.filter((hook) => hook.query === "?second");
  expect(toSecond.length).toBe(20);
  expect(peakToFirst).toBeLessThanOrEqual(2);
  expect(counts.delivered).toBe(20);
  expect(Date.now() - started).toBeLessThan(10_000);
  // Leave nothing due for the next test.
  await first.client.execute("DELETE FROM webhook_attempts");
  await first.client.execute("DELETE FROM webhook_deliveries");
});

test("the next rows are claimed while the sends are in flight, and an endpoint still gets at most its share of sends at once", async () => {
  receiver.received.length = 0;
  let inFlight = 0;
  let peak = 0;
  let releaseFirst: () => void = () => {};
  const firstTwoHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
  let seen = 0;
  receiver.respond = async () => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    // The first two requests are held until the test has looked at the leases.
    if (seen++ < 2) await firstTwoHeld;
    inFlight--;
    return new Response("ok");
  };
  await enqueue(10);
  const draining = drainerOn(first, "ahead", { concurrency: 2, perEndpoint: 2, timeoutMs: 5000 })();
  await waitFor(async () => (inFlight === 2 ? true : undefined));
  // Two sends held, and two more rows already leased to this drainer, waiting for a slot.
  await waitFor(async () => {
    const leased = await first.client.execute(
      "SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'delivering' AND lease_owner = 'ahead'",
    );
    return Number(leased.rows[0]?.n) === 4 ? true : undefined;
  });
  expect(inFlight).toBe(2);
  releaseFirst();
  const counts = await draining;
  expect(counts.delivered).toBe(10);
  expect(peak).toBe(2);
  expect(receiver.received.length).toBe(10);
  expect(new Set(receiver.received.map((hook) => hook.headers["webhook-id"])).size).toBe(10);
});

test("rows leased by a drainer that crashed come back when the lease expires, with the same webhook-id", async () => {
  receiver.received.length = 0;
  receiver.respond = () => new Response("ok");
  await enqueue(5);
  // A drainer claimed the rows (lease taken, attempt counted) and died before sending.
  await first.client.execute({
    sql: "UPDATE webhook_deliveries SET status = 'delivering', lease_owner = 'crashed', lease_until = ?, attempts = attempts + 1 WHERE status = 'pending'",
    args: [Date.now() - 1],
  });
  const counts = await drainerOn(second, "survivor")();
  expect(counts.delivered).toBe(5);
  expect(receiver.received.length).toBe(5);
  const rows = await first.client.execute(
    "SELECT count(*) AS n FROM webhook_deliveries WHERE status != 'delivered'",
  );
  expect(Number(rows.rows[0]?.n)).toBe(0);
});

test("the Bun sender refuses, at send time, an endpoint URL that points to a private address", async () => {
  const transport = createGuardedTransport({ allowPrivate: false });
  for (const url of [
    "http://127.0.0.1:9/x",
    "http://[::1]:9/x",
    "http://10.1.2.3/x",
    "http://169.254.169.254/latest/meta-data",
    "http://localhost:9/x",
  ]) {
    const result = await transport({ url, headers: {}, body: "{}", timeoutMs: 1000 });
    expect(result).toMatchObject({ kind: "error" });
    expect(result.kind === "error" && result.error).toStartWith("blocked:");
  }
});
