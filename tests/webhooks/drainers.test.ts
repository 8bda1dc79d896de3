import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { createLogger } from "../../core/logger";
import { drainOutbox } from "../../core/outbox/drain";
import { deliveryInsert } from "../../core/outbox/enqueue";
import { createTenant } from "../../core/tenancy/tenants";
import { createEndpoint } from "../../core/webhooks/endpoints";
import { createFetchTransport } from "../../core/webhooks/transport";
import type { Database } from "../../db/client";
import { createDatabase } from "../../db/client";
import { createGuardedTransport } from "../../runtime/webhook-transport";
import { openTestDatabase, tempDir } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";

// Two drainers on one database file, each with its own client (as two processes would have).
const dir = tempDir();
let first: Database;
let second: Database;
let receiver: Receiver;
let endpointId: string;
let tenantId: string;
const logger = createLogger("silent", "test");

beforeAll(async () => {
  ({ database: first } = await openTestDatabase(dir));
  second = await createDatabase({ url: `file:${dir}/omnimail.db` });
  receiver = startReceiver();
  const { tenant } = await createTenant(first.db, { name: "drainers" });
  tenantId = tenant.id;
  endpointId = (await createEndpoint(first.db, tenantId, { url: receiver.url }, { allowPrivate: true })).id;
});
afterAll(() => {
  receiver.stop();
  first.close();
  second.close();
  rmSync(dir, { recursive: true, force: true });
});

async function enqueue(count: number) {
  const now = Date.now();
  const statements = Array.from(
    { length: count },
    (_, i) =>
      deliveryInsert(first.db, {
        endpointId,
        tenantId,
        messageId: null,
        event: { type: "webhook.test", timestamp: new Date(now).toISOString(), data: { n: i } },
        now,
      }).statement,
  );
  await first.client.batch(statements, "write");
}

const drainerOn = (database: Database, owner: string) => () =>
  drainOutbox(
    {
      db: database.db,
      transport: createFetchTransport({ allowPrivate: true }),
      logger,
      retryScheduleSeconds: [1],
      owner,
    },
    { batchSize: 10, concurrency: 4 },
  );

test("two drainers at once send each event exactly once", async () => {
  receiver.received.length = 0;
  // A receiver that takes a moment, so the two drainers' batches overlap in time.
  receiver.respond = () => Bun.sleep(2).then(() => new Response("ok"));
  await enqueue(300);
  const [a, b] = await Promise.all([drainerOn(first, "drainer-a")(), drainerOn(second, "drainer-b")()]);
  expect((a?.delivered ?? 0) + (b?.delivered ?? 0)).toBe(300);
  expect(a?.delivered).toBeGreaterThan(0);
  expect(b?.delivered).toBeGreaterThan(0);
  const ids = receiver.received.map((hook) => hook.headers["webhook-id"]);
  expect(ids.length).toBe(300);
  expect(new Set(ids).size).toBe(300);
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
