import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { claimStatement } from "../../core/outbox/drain";
import { openTestDatabase, tempDir } from "../helpers/harness";

/**
 * The drain's claim (core/outbox/drain.ts) reads each enabled endpoint's
 * earliest due rows from an index range that ends at its share. It once ranked
 * every due row of every endpoint: 34 ms per claim at 10,000 waiting, on the
 * writer's thread, so a drain that fell behind fell further behind.
 */

const dir = tempDir("omnimail-claim-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a claim is index ranges per endpoint, fair between endpoints, earliest first, whatever the backlog", async () => {
  const { database } = await openTestDatabase(dir);
  const now = Date.now();
  await database.client.batch(
    [
      {
        sql: "INSERT INTO tenants (id, name, created_at) VALUES ('tnt_a', 'a', ?), ('tnt_b', 'b', ?)",
        args: [now, now],
      },
      ...[
        ["whe_busy", "tnt_a", 1],
        ["whe_quiet", "tnt_b", 1],
        ["whe_off", "tnt_b", 0],
      ].map(([id, tenant, enabled]) => ({
        sql: `INSERT INTO webhook_endpoints (id, tenant_id, url, secret, event_types, enabled, created_at, updated_at)
          VALUES (?, ?, 'https://example.org/hook', 'c2VjcmV0', '["message.received"]', ?, ?, ?)`,
        args: [id as string, tenant as string, enabled as number, now, now],
      })),
    ],
    "write",
  );
  // 5,000 due rows of one endpoint, 5 of another, 50 of a disabled one, and a retry not yet due.
  const rows: Array<[string, string, string, string, number]> = [];
  for (let i = 0; i < 5000; i++)
    rows.push([`dlv_busy_${i}`, "whe_busy", "tnt_a", "pending", now - 60_000 + i]);
  for (let i = 0; i < 5; i++) rows.push([`dlv_quiet_${i}`, "whe_quiet", "tnt_b", "failed", now - 1000 + i]);
  for (let i = 0; i < 50; i++) rows.push([`dlv_off_${i}`, "whe_off", "tnt_b", "pending", now - 90_000]);
  rows.push(["dlv_quiet_later", "whe_quiet", "tnt_b", "failed", now + 60_000]);
  await database.client.batch(
    rows.map(([id, endpoint, tenant, status, at]) => ({
      sql: `INSERT INTO webhook_deliveries (id, endpoint_id, tenant_id, event_type, payload, status, attempts, next_attempt_at, created_at)
        VALUES (?, ?, ?, 'message.received', '{}', ?, 0, ?, ?)`,
      args: [id, endpoint, tenant, status, at, now],
    })),
    "write",
  );

  const claim = claimStatement({
    owner: "drainer-1",
    lease: now + 60_000,
    now,
    share: 16,
    held: new Map(),
    limit: 32,
  });
  const [result] = await database.client.batch([claim], "write");
  const claimed = (result?.rows ?? []).map((row) => String(row.id));
  // The busy endpoint gets its share, the quiet one all it has due; the disabled one and the later retry nothing.
  expect(claimed.filter((id) => id.startsWith("dlv_busy_")).sort()).toEqual(
    Array.from({ length: 16 }, (_, i) => `dlv_busy_${i}`).sort(),
  );
  expect(claimed.filter((id) => id.startsWith("dlv_quiet_")).sort()).toEqual(
    Array.from({ length: 5 }, (_, i) => `dlv_quiet_${i}`).sort(),
  );
  expect(claimed).toHaveLength(21);
  const leased = await database.client.execute(
    "SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'delivering' AND lease_owner = 'drainer-1' AND attempts = 1",
  );
  expect(Number(leased.rows[0]?.n)).toBe(21);

  // A second drainer: the busy endpoint's share is held by the first, so it gets none of it.
  const second = claimStatement({
    owner: "drainer-2",
    lease: now + 60_000,
    now,
    share: 16,
    held: new Map(),
    limit: 32,
  });
  const [next] = await database.client.batch([second], "write");
  expect(next?.rows ?? []).toEqual([]);

  // Last: an EXPLAIN leaves its statement open on the connection, and a later commit there would fail.
  const plan = await database.client.execute({ sql: `EXPLAIN QUERY PLAN ${claim.sql}`, args: claim.args });
  const details = plan.rows.map((row) => String(row.detail));
  expect(details).toContainEqual(
    "SEARCH d USING INDEX webhook_deliveries_endpoint_due_idx (endpoint_id=? AND status=? AND next_attempt_at<?)",
  );
  // Never a walk over every due row (the status index) or the whole table.
  expect(
    details.filter((detail) => /webhook_deliveries_due_idx|SCAN (d|webhook_deliveries)\b/.test(detail)),
  ).toEqual([]);

  database.close();
});
