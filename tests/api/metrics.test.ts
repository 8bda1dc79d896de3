import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { startReceiver } from "../helpers/receiver";
import { sendMail } from "../helpers/send";

let omni: OmniMail;
let acme: TestTenant;

async function scrape(): Promise<string> {
  const response = await fetch(`${omni.apiUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
  return response.text();
}

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["inbox", "other"]);
});
afterAll(() => omni.stop());

describe("GET /metrics", () => {
  test("webhooks: attempts by outcome, drain run durations, the outbox backlog and the age of its oldest due row", async () => {
    const receiver = startReceiver();
    let refuse = true;
    receiver.respond = () => new Response(refuse ? "down" : "ok", { status: refuse ? 503 : 200 });
    try {
      const created = await omni.api("/v1/webhooks", acme.apiKey, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: receiver.url }),
      });
      expect(created.status).toBe(201);
      await sendMail(omni.smtpPort, {
        from: "s@example.org",
        to: "inbox@acme.test",
        subject: "hooked",
        text: "x",
      });
      const sample = (text: string, name: string) => Number(new RegExp(`\n${name} (\\S+)\n`).exec(text)?.[1]);
      const failed = await waitFor(async () => {
        const text = await scrape();
        return sample(text, 'omnimail_webhook_attempts_total\\{outcome="failed"\\}') >= 1 ? text : undefined;
      });
      // Failed once, waiting for its retry: still in the backlog.
      expect(sample(failed, "omnimail_outbox_backlog")).toBe(1);
      expect(sample(failed, "omnimail_outbox_oldest_due_seconds")).toBeGreaterThanOrEqual(0);
      expect(sample(failed, "omnimail_outbox_drain_run_seconds_count")).toBeGreaterThan(0);
      refuse = false;
      const deliveries = (await (
        await omni.api(
          `/v1/webhooks/${((await created.json()) as { id: string }).id}/deliveries`,
          acme.apiKey,
        )
      ).json()) as { data: Array<{ id: string }> };
      const id = (
        (await (await omni.api("/v1/webhooks", acme.apiKey)).json()) as { data: Array<{ id: string }> }
      ).data[0]?.id;
      await omni.api(`/v1/webhooks/${id}/deliveries/${deliveries.data[0]?.id}/retry`, acme.apiKey, {
        method: "POST",
      });
      const delivered = await waitFor(async () => {
        const text = await scrape();
        return sample(text, 'omnimail_webhook_attempts_total\\{outcome="delivered"\\}') >= 1
          ? text
          : undefined;
      });
      expect(sample(delivered, "omnimail_outbox_backlog")).toBe(0);
      // Later tests count stored messages from a clean slate of endpoints.
      await omni.api(`/v1/webhooks/${id}`, acme.apiKey, { method: "DELETE" });
    } finally {
      receiver.stop();
    }
  });

  test("counts stored messages (one per mailbox copy)", async () => {
    await sendMail(omni.smtpPort, {
      from: "s@example.org",
      to: ["inbox@acme.test", "other@acme.test"],
      subject: "two copies",
      text: "x",
    });
    // 1 from the webhook test above, then this message's 2 copies.
    expect(await scrape()).toContain('\nomnimail_messages_received_total{ingress="smtp"} 3\n');
  });

  test("counts API requests by route pattern and status, with durations", async () => {
    const inbox = acme.mailboxes["inbox@acme.test"] ?? "";
    await omni.api(`/v1/mailboxes/${inbox}`, acme.apiKey);
    await omni.api(`/v1/mailboxes/${inbox}`, acme.apiKey);
    await omni.api("/v1/mailboxes/mbx_01JZ0000000000000000000000", acme.apiKey);
    await fetch(`${omni.apiUrl}/v1/mailboxes`);
    await fetch(`${omni.apiUrl}/no/such/${crypto.randomUUID()}`);
    const text = await scrape();
    expect(text).toContain(
      'omnimail_http_requests_total{method="GET",route="/v1/mailboxes/{id}",status="200"} 2',
    );
    expect(text).toContain(
      'omnimail_http_requests_total{method="GET",route="/v1/mailboxes/{id}",status="404"} 1',
    );
    expect(text).toContain('omnimail_http_requests_total{method="GET",route="/v1/mailboxes",status="401"} 1');
    // Unknown paths are one series, whatever the path: no ids or junk in label values.
    expect(text).toContain('route="unmatched",status="404"} 1');
    expect(text).not.toContain(inbox);
    expect(text).toContain(
      'omnimail_http_request_duration_seconds_bucket{method="GET",route="/v1/mailboxes/{id}",le="+Inf"} 3',
    );
    expect(text).toContain(
      'omnimail_http_request_duration_seconds_count{method="GET",route="/v1/mailboxes/{id}"} 3',
    );
  });

  test("is well-formed Prometheus text: HELP and TYPE before each family, then samples", async () => {
    const lines = (await scrape()).trimEnd().split("\n");
    for (const line of lines) {
      expect(line).toMatch(/^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{([a-z_]+="[^"\n]*",?)+\})? -?[0-9.e+-]+)$/);
    }
    for (const family of [
      "omnimail_messages_received_total counter",
      "omnimail_messages_rejected_total counter",
      "omnimail_http_requests_total counter",
      "omnimail_http_request_duration_seconds histogram",
    ]) {
      expect(lines).toContain(`# TYPE ${family}`);
    }
  });
});
