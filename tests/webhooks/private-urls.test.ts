import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";

/**
 * Webhook URLs on private networks are refused by default (the SSRF guard), and
 * the refusal says how local development lifts it: a receiver on localhost is
 * the first thing a newcomer points a webhook at.
 */

let omni: OmniMail;
let tenant: TestTenant;

beforeAll(async () => {
  // The harness allows private targets for its receivers; this suite runs as a default install does.
  omni = await startOmniMail({ env: { OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS: "0" } });
  tenant = await omni.addTenant("acme.test", ["*"]);
});
afterAll(() => omni.stop());

const HINT = "set OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS=1";

async function createWebhook(url: string) {
  const response = await omni.api("/v1/webhooks", tenant.apiKey, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url }),
  });
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    problem: (await response.json()) as {
      detail: string;
      errors: Array<{ location: string; message: string }>;
    },
  };
}

describe("POST /v1/webhooks with a private destination", () => {
  const privateUrls: Array<[string, string]> = [
    ["http://127.0.0.1:3000/hook", "loopback"],
    ["http://[::1]:3000/hook", "loopback"],
    ["http://192.168.1.20/hook", "private"],
    ["http://localhost:3000/hook", "internal host name"],
  ];
  for (const [url, reason] of privateUrls) {
    test(`${url}: 422 naming body.url, and how to allow it for local development`, async () => {
      const { status, type, problem } = await createWebhook(url);
      expect({ status, type }).toEqual({ status: 422, type: "application/problem+json" });
      expect(problem.detail).toContain(reason);
      expect(problem.detail).toContain(HINT);
      expect(problem.errors).toEqual([{ location: "body.url", message: expect.stringContaining(HINT) }]);
    });
  }

  test("other refusals are not about private networks and do not suggest the setting", async () => {
    const { status, problem } = await createWebhook("ftp://example.com/hook");
    expect(status).toBe(422);
    expect(problem.detail).not.toContain("OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS");
  });
});
