import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { sendMail } from "../helpers/send";

// A fast schedule (seconds) so a whole outage fits in a test; the timeout is short for the same reason.
const SCHEDULE = [0.3, 0.3, 0.3, 0.3, 0.3];
let omni: OmniMail;
let tenant: TestTenant;

beforeAll(async () => {
  omni = await startOmniMail({
    env: { OMNIMAIL_WEBHOOK_RETRY_SCHEDULE: SCHEDULE.join(",") },
    webhookTimeoutMs: 400,
  });
  tenant = await omni.addTenant("acme.test", ["*"]);
});
afterAll(() => omni.stop());

async function createWebhook(url: string) {
  const response = await omni.api("/v1/webhooks", tenant.apiKey, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; secret: string };
}

type DeliveryJson = {
  id: string;
  status: string;
  attempts: number;
  message_id: string | null;
  attempt_log: Array<{ status: number | null; error: string | null; created_at: string }>;
};

async function deliveries(webhookId: string): Promise<DeliveryJson[]> {
  const response = await omni.api(`/v1/webhooks/${webhookId}/deliveries?limit=100`, tenant.apiKey);
  return ((await response.json()) as { data: DeliveryJson[] }).data;
}

describe("retries", () => {
  test("receiver refuses connections, then answers 500, then hangs, then recovers: every event delivered, on schedule", async () => {
    // Take a free port and close it: connections to it are refused until the receiver starts there.
    const probe = startReceiver();
    const port = probe.port;
    probe.stop();
    const hook = await createWebhook(`http://127.0.0.1:${port}/hook`);

    const reply = await sendMail(omni.smtpPort, {
      from: "s@example.org",
      to: "x@acme.test",
      subject: "outage",
      text: ".",
    });
    const messageId = /queued as (msg_\w+)/.exec(reply)?.[1];
    // Wait for the first attempt to be recorded (refused), not just claimed.
    await waitFor(async () => ((await deliveries(hook.id))[0]?.attempt_log.length === 1 ? true : undefined));

    let receiver: Receiver | undefined;
    try {
      receiver = startReceiver(port);
      receiver.respond = (_hook, index) => {
        if (index === 0) return new Response("try later", { status: 500 });
        if (index === 1) return Bun.sleep(1500).then(() => new Response("too late"));
        return new Response("ok");
      };
      const [done] = await waitFor(async () => {
        const list = await deliveries(hook.id);
        return list[0]?.status === "delivered" ? list : undefined;
      }, 10_000);
      expect(done?.message_id).toBe(messageId ?? "");
      expect(done?.attempts).toBe(4);
      const log = done?.attempt_log ?? [];
      expect(log.map((attempt) => attempt.status)).toEqual([null, 500, null, 200]);
      expect(log[0]?.error).toBeString();
      expect(log[2]?.error).toContain("timed out");
      // Retries follow the schedule: at least 0.8 × 0.3 s apart (jitter is ±20 %).
      const times = log.map((attempt) => Date.parse(attempt.created_at));
      for (let i = 1; i < times.length; i++) {
        expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(0.8 * 300 - 5);
      }
      // The receiver saw the same webhook-id on every try, and the last body verifies.
      const ids = new Set(receiver.received.map((h) => h.headers["webhook-id"]));
      expect(ids.size).toBe(1);
      const last = receiver.received[receiver.received.length - 1];
      expect(() => new Webhook(hook.secret).verify(last?.body ?? "", last?.headers ?? {})).not.toThrow();
    } finally {
      receiver?.stop();
    }
  });

  test("after the last retry the delivery is dead; a replay delivers it once the receiver is back", async () => {
    const receiver = startReceiver();
    let healthy = false;
    receiver.respond = () => new Response(healthy ? "ok" : "down", { status: healthy ? 200 : 503 });
    try {
      const hook = await createWebhook(receiver.url);
      await sendMail(omni.smtpPort, { from: "s@example.org", to: "y@acme.test", subject: "dead", text: "." });
      const [dead] = await waitFor(async () => {
        const list = await deliveries(hook.id);
        return list[0]?.status === "dead" ? list : undefined;
      }, 10_000);
      expect(dead?.attempts).toBe(SCHEDULE.length + 1);
      expect(receiver.received.length).toBe(SCHEDULE.length + 1);

      healthy = true;
      const replay = await omni.api(`/v1/webhooks/${hook.id}/deliveries/${dead?.id}/retry`, tenant.apiKey, {
        method: "POST",
      });
      expect(replay.status).toBe(202);
      const [delivered] = await waitFor(async () => {
        const list = await deliveries(hook.id);
        return list[0]?.status === "delivered" ? list : undefined;
      });
      expect(delivered?.attempts).toBe(SCHEDULE.length + 2);
    } finally {
      receiver.stop();
    }
  });

  test("410 Gone disables the endpoint; nothing more is sent until it is enabled again", async () => {
    const receiver = startReceiver();
    receiver.respond = () => new Response("gone", { status: 410 });
    try {
      const hook = await createWebhook(receiver.url);
      await sendMail(omni.smtpPort, {
        from: "s@example.org",
        to: "z@acme.test",
        subject: "gone 1",
        text: ".",
      });
      const endpoint = await waitFor(async () => {
        const body = (await (await omni.api(`/v1/webhooks/${hook.id}`, tenant.apiKey)).json()) as {
          enabled: boolean;
          disabled_reason: string | null;
        };
        return body.enabled ? undefined : body;
      });
      expect(endpoint.disabled_reason).toContain("410");
      expect((await deliveries(hook.id))[0]?.status).toBe("dead");

      // While disabled, new mail creates no deliveries for it.
      await sendMail(omni.smtpPort, {
        from: "s@example.org",
        to: "z@acme.test",
        subject: "gone 2",
        text: ".",
      });
      expect((await deliveries(hook.id)).length).toBe(1);
      expect(receiver.received.length).toBe(1);

      receiver.respond = () => new Response("ok");
      const enabled = await omni.api(`/v1/webhooks/${hook.id}`, tenant.apiKey, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ enabled: true }),
      });
      expect((await enabled.json()) as { enabled: boolean; disabled_reason: string | null }).toMatchObject({
        enabled: true,
        disabled_reason: null,
      });
      await sendMail(omni.smtpPort, {
        from: "s@example.org",
        to: "z@acme.test",
        subject: "gone 3",
        text: ".",
      });
      await waitFor(() => (receiver.received.length === 2 ? true : undefined));
    } finally {
      receiver.stop();
    }
  });
});
