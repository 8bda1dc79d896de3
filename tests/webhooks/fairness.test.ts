import { afterAll, beforeAll, expect, test } from "bun:test";
import { deliveryInsert } from "../../core/outbox/enqueue";
import { buildTestEvent } from "../../core/outbox/payload";
import { commit } from "../../db/store";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { sendMail } from "../helpers/send";

// One tenant's dead endpoint must not delay another tenant's webhooks (fair shares per endpoint,
// claims as slots free up, never a wait for the slowest send of a batch).
let omni: OmniMail;
let alpha: TestTenant;
let beta: TestTenant;
let hanging: Receiver;
let healthy: Receiver;

beforeAll(async () => {
  omni = await startOmniMail({ webhookTimeoutMs: 5000 });
  alpha = await omni.addTenant("alpha.test", ["*"]);
  beta = await omni.addTenant("beta.test", ["*"]);
  hanging = startReceiver();
  // Accepts and never answers within the timeout.
  hanging.respond = () => Bun.sleep(6000).then(() => new Response("too late"));
  healthy = startReceiver();
});
afterAll(async () => {
  await omni.stop();
  hanging.stop();
  healthy.stop();
});

async function webhook(tenant: TestTenant, url: string): Promise<string> {
  const response = await omni.api("/v1/webhooks", tenant.apiKey, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

test("100 hanging deliveries queued for tenant A: tenant B's webhooks still arrive within 1 s of their 250", async () => {
  const dead = await webhook(alpha, hanging.url);
  await webhook(beta, healthy.url);
  const now = Date.now();
  await commit(
    omni.store,
    Array.from(
      { length: 100 },
      (_, n) =>
        deliveryInsert(omni.store.db, {
          endpointId: dead,
          tenantId: alpha.id,
          messageId: null,
          event: buildTestEvent(dead, now + n),
          now,
        }).statement,
    ),
    { announces: true },
  );
  await waitFor(() => (hanging.received.length > 0 ? true : undefined));

  const lags: number[] = [];
  for (let i = 0; i < 10; i++) {
    const subject = `beta ${i}`;
    const reply = await sendMail(omni.smtpPort, {
      from: "s@example.org",
      to: "x@beta.test",
      subject,
      text: "x",
    });
    const acceptedAt = Date.now();
    expect(reply).toMatch(/^250 /);
    const hook = await waitFor(
      () => healthy.received.find((received) => received.body.includes(`"subject":"${subject}"`)),
      10_000,
    );
    lags.push(hook.receivedAt - acceptedAt);
  }
  expect(Math.max(...lags)).toBeLessThan(1000);
  // The dead endpoint never held more than its share of the slots.
  expect(hanging.received.length).toBeLessThanOrEqual(8);
});
