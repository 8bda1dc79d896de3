import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";
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
  test("counts stored messages (one per mailbox copy)", async () => {
    await sendMail(omni.smtpPort, {
      from: "s@example.org",
      to: ["inbox@acme.test", "other@acme.test"],
      subject: "two copies",
      text: "x",
    });
    expect(await scrape()).toContain('\nomnimail_messages_received_total{ingress="smtp"} 2\n');
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
