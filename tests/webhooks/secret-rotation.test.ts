import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { type ReceivedHook, type Receiver, startReceiver } from "../helpers/receiver";

/**
 * Rotating a signing secret with a grace period (issue 15, bug 4): until it
 * ends, every delivery carries a signature by the new secret and one by the
 * replaced secret (`v1,<new> v1,<old>`), so a receiver that has not deployed
 * the new secret yet still verifies, also deliveries queued before the
 * rotation. A real receiver, verified with the Standard Webhooks library.
 */

let omni: OmniMail;
let acme: TestTenant;
let globex: TestTenant;
let receiver: Receiver;

beforeAll(async () => {
  // A failed delivery comes back about a second later.
  omni = await startOmniMail({ env: { OMNIMAIL_WEBHOOK_RETRY_SCHEDULE: "1,1,1" } });
  acme = await omni.addTenant("acme.test", ["alice"]);
  globex = await omni.addTenant("globex.test", ["*"]);
  receiver = startReceiver();
});
afterAll(async () => {
  await omni.stop();
  receiver.stop();
});

interface WebhookJson {
  id: string;
  secret: string;
  previous_secret_expires_at: string | null;
}

async function createWebhook(name: string): Promise<WebhookJson> {
  const response = await omni.api("/v1/webhooks", acme.apiKey, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: `${receiver.url}?${name}` }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as WebhookJson;
}

function rotate(id: string, body?: unknown, apiKey = acme.apiKey): Promise<Response> {
  return omni.api(`/v1/webhooks/${id}/rotate-secret`, apiKey, {
    method: "POST",
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
}

async function rotated(id: string, body?: unknown): Promise<WebhookJson> {
  const response = await rotate(id, body);
  expect(response.status).toBe(200);
  return (await response.json()) as WebhookJson;
}

/** Queues a webhook.test event and waits for the receiver to get it. */
async function testEvent(id: string): Promise<ReceivedHook> {
  const response = await omni.api(`/v1/webhooks/${id}/test`, acme.apiKey, { method: "POST" });
  expect(response.status).toBe(202);
  const { delivery_id: deliveryId } = (await response.json()) as { delivery_id: string };
  return waitFor(() => receiver.received.find((hook) => hook.headers["webhook-id"] === deliveryId));
}

const verifies = (secret: string, hook: ReceivedHook) => {
  try {
    return (new Webhook(secret).verify(hook.body, hook.headers) as { type: string }).type;
  } catch {
    return "refused";
  }
};

describe("rotate-secret with a grace period", () => {
  test("by default both secrets sign for 24 h, and the delivery log shows both signatures", async () => {
    const hook = await createWebhook("default");
    const before = Date.now();
    const after = await rotated(hook.id);
    expect(after.secret).toStartWith("whsec_");
    expect(after.secret).not.toBe(hook.secret);
    const expiresAt = Date.parse(after.previous_secret_expires_at ?? "");
    expect(expiresAt).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 86_400_000);

    const received = await testEvent(hook.id);
    const signatures = received.headers["webhook-signature"]?.split(" ") ?? [];
    expect(signatures.length).toBe(2);
    expect({ old: verifies(hook.secret, received), new: verifies(after.secret, received) }).toEqual({
      old: "webhook.test",
      new: "webhook.test",
    });
    // Each signature on its own: the first is the new secret's, the second the old one's.
    const alone = (signature: string) => ({
      ...received,
      headers: { ...received.headers, "webhook-signature": signature },
    });
    expect(verifies(after.secret, alone(signatures[0] ?? ""))).toBe("webhook.test");
    expect(verifies(hook.secret, alone(signatures[1] ?? ""))).toBe("webhook.test");

    const log = await waitFor(async () => {
      const response = await omni.api(`/v1/webhooks/${hook.id}/deliveries`, acme.apiKey);
      const page = (await response.json()) as {
        data: Array<{ id: string; status: string; attempt_log: Array<{ signatures: string[] }> }>;
      };
      const delivery = page.data.find((item) => item.id === received.headers["webhook-id"]);
      return delivery?.status === "delivered" ? delivery : undefined;
    });
    expect(log.attempt_log.map((attempt) => attempt.signatures)).toEqual([signatures]);

    // Reading the endpoint says until when the old secret signs, and never shows a secret.
    const read = (await (await omni.api(`/v1/webhooks/${hook.id}`, acme.apiKey)).json()) as WebhookJson;
    expect(read.previous_secret_expires_at).toBe(after.previous_secret_expires_at);
    expect(read.secret).toBeUndefined();
  });

  test("a delivery queued before the rotation and retried after it still verifies with the old secret", async () => {
    const hook = await createWebhook("queued");
    let attempts = 0;
    receiver.respond = (received) => {
      if (received.query !== "?queued") return new Response("ok");
      attempts += 1;
      return attempts === 1 ? new Response("not yet", { status: 503 }) : new Response("ok");
    };
    try {
      const first = await testEvent(hook.id);
      expect(verifies(hook.secret, first)).toBe("webhook.test");
      const after = await rotated(hook.id);
      const retried = await waitFor(
        () =>
          receiver.received.filter(
            (received) => received.headers["webhook-id"] === first.headers["webhook-id"],
          )[1],
        10_000,
      );
      expect({ old: verifies(hook.secret, retried), new: verifies(after.secret, retried) }).toEqual({
        old: "webhook.test",
        new: "webhook.test",
      });
    } finally {
      receiver.respond = () => new Response("ok");
    }
  });

  test("after a short grace period the old secret no longer verifies; the new one does", async () => {
    const hook = await createWebhook("short");
    const after = await rotated(hook.id, { grace_period_seconds: 1 });
    const expiresAt = Date.parse(after.previous_secret_expires_at ?? "");
    const during = await testEvent(hook.id);
    expect(Number(during.headers["webhook-timestamp"]) * 1000).toBeLessThan(expiresAt);
    expect({ old: verifies(hook.secret, during), new: verifies(after.secret, during) }).toEqual({
      old: "webhook.test",
      new: "webhook.test",
    });

    await waitFor(() => (Date.now() > expiresAt ? true : undefined));
    const later = await testEvent(hook.id);
    expect(later.headers["webhook-signature"]?.split(" ").length).toBe(1);
    expect({ old: verifies(hook.secret, later), new: verifies(after.secret, later) }).toEqual({
      old: "refused",
      new: "webhook.test",
    });
    const read = (await (await omni.api(`/v1/webhooks/${hook.id}`, acme.apiKey)).json()) as WebhookJson;
    expect(read.previous_secret_expires_at).toBeNull();
  });

  test("0 switches at once: only the new secret signs", async () => {
    const hook = await createWebhook("immediate");
    const after = await rotated(hook.id, { grace_period_seconds: 0 });
    expect(after.previous_secret_expires_at).toBeNull();
    const received = await testEvent(hook.id);
    expect({ old: verifies(hook.secret, received), new: verifies(after.secret, received) }).toEqual({
      old: "refused",
      new: "webhook.test",
    });
  });

  test("rotating again within a grace period keeps only the secret it replaces", async () => {
    const hook = await createWebhook("twice");
    const second = await rotated(hook.id);
    const third = await rotated(hook.id, { grace_period_seconds: 600 });
    const received = await testEvent(hook.id);
    expect({
      first: verifies(hook.secret, received),
      second: verifies(second.secret, received),
      third: verifies(third.secret, received),
    }).toEqual({ first: "refused", second: "webhook.test", third: "webhook.test" });
  });

  test("a bad grace_period_seconds is a problem+json naming the field; nothing changes", async () => {
    const hook = await createWebhook("invalid");
    const cases: Array<[unknown, string]> = [
      [{ grace_period_seconds: -1 }, "body.grace_period_seconds"],
      [{ grace_period_seconds: 1.5 }, "body.grace_period_seconds"],
      [{ grace_period_seconds: "60" }, "body.grace_period_seconds"],
      [{ grace_period_seconds: null }, "body.grace_period_seconds"],
      [{ grace_period_seconds: 7 * 86_400 + 1 }, "body.grace_period_seconds"],
      [{ grace: 60 }, "body.grace"],
    ];
    for (const [body, location] of cases) {
      const response = await rotate(hook.id, body);
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      const problem = (await response.json()) as { errors: Array<{ location: string }> };
      expect(problem.errors.map((error) => error.location)).toContain(location);
    }
    const received = await testEvent(hook.id);
    expect(received.headers["webhook-signature"]?.split(" ").length).toBe(1);
    expect(verifies(hook.secret, received)).toBe("webhook.test");
  });

  test("another tenant's endpoint is 404 and keeps its secret", async () => {
    const hook = await createWebhook("isolated");
    expect((await rotate(hook.id, { grace_period_seconds: 0 }, globex.apiKey)).status).toBe(404);
    expect(verifies(hook.secret, await testEvent(hook.id))).toBe("webhook.test");
  });
});
