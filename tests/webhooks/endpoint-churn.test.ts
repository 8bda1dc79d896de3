import { afterAll, beforeAll, expect, test } from "bun:test";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { sendMail } from "../helpers/send";

// Webhook administration never bounces mail: outbox rows are chosen inside the commit.
let omni: OmniMail;
let tenant: TestTenant;
let receiver: Receiver;

beforeAll(async () => {
  omni = await startOmniMail();
  tenant = await omni.addTenant("churn.test", ["alice"]);
  receiver = startReceiver();
});
afterAll(async () => {
  receiver.stop();
  await omni.stop();
});

async function createWebhook(query: string): Promise<string> {
  const response = await omni.api("/v1/webhooks", tenant.apiKey, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: `${receiver.url}?${query}` }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

test("deleting and re-creating an endpoint in a loop while 200 messages arrive: no 451, each announced once to the endpoints of its commit", async () => {
  await createWebhook("stable");
  let churning = true;
  let cycles = 0;
  const churn = (async () => {
    while (churning) {
      const id = await createWebhook(`churn-${cycles}`);
      const deleted = await omni.api(`/v1/webhooks/${id}`, tenant.apiKey, { method: "DELETE" });
      expect(deleted.status).toBe(204);
      cycles++;
    }
  })();

  const replies: string[] = [];
  for (let wave = 0; wave < 20; wave++) {
    replies.push(
      ...(await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          sendMail(omni.smtpPort, {
            from: "s@example.org",
            to: "alice@churn.test",
            subject: `churn ${wave * 10 + i}`,
            text: "x",
          }).catch((error: unknown) => String(error)),
        ),
      )),
    );
  }
  churning = false;
  await churn;
  expect(cycles).toBeGreaterThan(0);
  expect(replies.filter((reply) => !reply.startsWith("250"))).toEqual([]);

  // The endpoint that existed throughout got every message exactly once.
  const stableIds = await waitFor(() => {
    const ids = receiver.received.filter((hook) => hook.query === "?stable").map((hook) => hook.body);
    return ids.length >= 200 ? ids : undefined;
  }, 20_000);
  const subjects = stableIds.map((body) => (JSON.parse(body) as { data: { subject: string } }).data.subject);
  expect(new Set(subjects).size).toBe(200);
  expect(subjects.length).toBe(200);
  // No outbox row outlived its endpoint, and none names an endpoint of another tenant.
  const orphans = await omni.database.client.execute(
    "SELECT count(*) AS n FROM webhook_deliveries d LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.tenant_id = d.tenant_id WHERE e.id IS NULL",
  );
  expect(Number(orphans.rows[0]?.n)).toBe(0);
});
