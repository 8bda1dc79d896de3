import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import nodemailer from "nodemailer";
import { Webhook } from "standardwebhooks";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { sendMail } from "../helpers/send";

let omni: OmniMail;
let acme: TestTenant;
let globex: TestTenant;
let receiver: Receiver;

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["alice", "bob"]);
  globex = await omni.addTenant("globex.test", ["*"]);
  receiver = startReceiver();
});
afterAll(async () => {
  await omni.stop();
  receiver.stop();
});

async function createWebhook(tenant: TestTenant, body: Record<string, unknown>) {
  const response = await omni.api("/v1/webhooks", tenant.apiKey, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; secret: string; events: string[]; enabled: boolean };
}

type Event = { type: string; data: Record<string, unknown> & { id: string; mailbox_id: string } };

describe("message.received webhooks", () => {
  test("every stored message produces exactly one signed event per matching endpoint, all verifiable", async () => {
    const all = await createWebhook(acme, { url: `${receiver.url}?all` });
    const bobOnly = await createWebhook(acme, {
      url: `${receiver.url}?bob`,
      mailbox_id: acme.mailboxes["bob@acme.test"],
    });
    const other = await createWebhook(globex, { url: `${receiver.url}?globex` });
    expect(all.secret).toMatch(/^whsec_/);
    expect(all.events).toEqual(["message.received"]);

    const transport = nodemailer.createTransport({
      host: "127.0.0.1",
      port: omni.smtpPort,
      ignoreTLS: true,
      pool: true,
    });
    const count = 40;
    const replies = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        transport.sendMail({
          from: "s@example.org",
          to: i % 2 === 0 ? "alice@acme.test" : "bob@acme.test",
          subject: `hook ${i}`,
          text: `body ${i}`,
          attachments: i === 0 ? [{ filename: "a.txt", content: "attached" }] : [],
        }),
      ),
    );
    transport.close();
    const messageIds = replies.map((reply) => /queued as (msg_\w+)/.exec(reply.response)?.[1] ?? "");

    // 40 to the unfiltered endpoint + 20 to bob's filter; none to the other tenant.
    await waitFor(() => (receiver.received.length >= count + count / 2 ? true : undefined), 10_000);
    const secrets: Record<string, string> = {
      "?all": all.secret,
      "?bob": bobOnly.secret,
      "?globex": other.secret,
    };
    const byEndpoint: Record<string, string[]> = { "?all": [], "?bob": [], "?globex": [] };
    const webhookIds = new Set<string>();
    for (const hook of [...receiver.received]) {
      const key = Object.keys(secrets).find((candidate) => hookUrlKey(hook) === candidate) ?? "";
      const event = new Webhook(secrets[key] ?? "").verify(hook.body, hook.headers) as Event;
      expect(event.type).toBe("message.received");
      byEndpoint[key]?.push(event.data.id);
      webhookIds.add(hook.headers["webhook-id"] ?? "");
    }
    expect(webhookIds.size).toBe(receiver.received.length);
    expect([...(byEndpoint["?all"] ?? [])].sort()).toEqual([...messageIds].sort());
    expect([...(byEndpoint["?bob"] ?? [])].sort()).toEqual(messageIds.filter((_, i) => i % 2 === 1).sort());
    expect(byEndpoint["?globex"]).toEqual([]);
  });

  test("the payload is the thin summary with URLs, and the delivery log shows it delivered", async () => {
    receiver.received.length = 0;
    const hook = await createWebhook(acme, {
      url: `${receiver.url}?summary`,
      mailbox_id: acme.mailboxes["alice@acme.test"],
    });
    const reply = await sendMail(omni.smtpPort, {
      from: "Sender <s@example.org>",
      to: "alice+x@acme.test",
      subject: "summary",
      text: "short body",
      attachments: [{ filename: "doc.txt", content: "attached bytes" }],
    });
    const id = /queued as (msg_\w+)/.exec(reply)?.[1] ?? "";
    const received = await waitFor(() =>
      receiver.received.find((h) => h.body.includes(id) && hookUrlKey(h) === "?summary"),
    );
    const event = new Webhook(hook.secret).verify(received.body, received.headers) as Event;
    expect(event.data).toMatchObject({
      id,
      mailbox_id: acme.mailboxes["alice@acme.test"],
      envelope: { mail_from: "s@example.org", rcpt_to: ["alice+x@acme.test"] },
      from: { address: "s@example.org", name: "Sender" },
      subject: "summary",
      text: "short body\n",
      url: `http://omnimail.test/v1/messages/${id}`,
      attachments_included: false,
    });
    // The bytes are behind a signed link (tests/events/signed-links.test.ts opens them).
    expect(event.data.raw_url).toMatch(
      new RegExp(`^http://omnimail\\.test/v1/messages/${id}/raw\\?expires=\\d+&sig=`),
    );
    const attachments = event.data.attachments as Array<{ filename: string; url: string; size: number }>;
    expect(attachments.map((a) => [a.filename, a.size])).toEqual([["doc.txt", 14]]);
    expect(attachments[0]?.url).toStartWith(`http://omnimail.test/v1/messages/${id}/attachments/att_`);

    const log = await waitFor(async () => {
      const response = await omni.api(`/v1/webhooks/${hook.id}/deliveries`, acme.apiKey);
      const body = (await response.json()) as {
        data: Array<{
          status: string;
          message_id: string;
          attempts: number;
          last_status: number;
          attempt_log: unknown[];
        }>;
      };
      return body.data[0]?.status === "delivered" ? body.data : undefined;
    });
    expect(log.length).toBe(1);
    expect(log[0]).toMatchObject({ status: "delivered", message_id: id, attempts: 1, last_status: 200 });
    expect(log[0]?.attempt_log.length).toBe(1);
  });

  test("a webhook.test event reaches the receiver; another tenant's endpoint is 404", async () => {
    const hook = await createWebhook(acme, { url: `${receiver.url}?test` });
    const response = await omni.api(`/v1/webhooks/${hook.id}/test`, acme.apiKey, { method: "POST" });
    expect(response.status).toBe(202);
    const received = await waitFor(() => receiver.received.find((h) => hookUrlKey(h) === "?test"));
    expect((new Webhook(hook.secret).verify(received.body, received.headers) as Event).type).toBe(
      "webhook.test",
    );
    for (const [method, path] of [
      ["GET", `/v1/webhooks/${hook.id}`],
      ["PATCH", `/v1/webhooks/${hook.id}`],
      ["DELETE", `/v1/webhooks/${hook.id}`],
      ["POST", `/v1/webhooks/${hook.id}/test`],
      ["GET", `/v1/webhooks/${hook.id}/deliveries`],
    ] as const) {
      const init: RequestInit = { method, headers: { "content-type": "application/json" } };
      if (method === "PATCH") init.body = JSON.stringify({ enabled: false });
      expect((await omni.api(path, globex.apiKey, init)).status).toBe(404);
    }
    expect((await omni.api(`/v1/webhooks/${hook.id}`, acme.apiKey)).status).toBe(200);
  });

  test("test events are limited per endpoint (OMNIMAIL_TEST_EVENTS_PER_MINUTE, 10): the 11th is 429 naming the setting", async () => {
    const hook = await createWebhook(acme, { url: `${receiver.url}?limited` });
    const other = await createWebhook(acme, { url: `${receiver.url}?unlimited` });
    const send = (id: string, apiKey = acme.apiKey) =>
      omni.api(`/v1/webhooks/${id}/test`, apiKey, { method: "POST" });
    for (let i = 0; i < 10; i++) expect((await send(hook.id)).status).toBe(202);
    const refused = await send(hook.id);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { detail: string }).detail).toContain(
      "OMNIMAIL_TEST_EVENTS_PER_MINUTE",
    );
    // Another endpoint has its own bucket; another tenant still gets 404, not 429.
    expect((await send(other.id)).status).toBe(202);
    expect((await send(hook.id, globex.apiKey)).status).toBe(404);
    // Exactly the ten accepted events were queued for the limited endpoint.
    const deliveries = await omni.database.client.execute({
      sql: "SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = ?",
      args: [hook.id],
    });
    expect(Number(deliveries.rows[0]?.n)).toBe(10);
  });

  test("rotating the secret with no grace period signs later events with the new one only", async () => {
    const hook = await createWebhook(acme, { url: `${receiver.url}?rotate` });
    const rotated = await omni.api(`/v1/webhooks/${hook.id}/rotate-secret`, acme.apiKey, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grace_period_seconds: 0 }),
    });
    const { secret } = (await rotated.json()) as { secret: string };
    expect(secret).not.toBe(hook.secret);
    await omni.api(`/v1/webhooks/${hook.id}/test`, acme.apiKey, { method: "POST" });
    const received = await waitFor(() => receiver.received.find((h) => hookUrlKey(h) === "?rotate"));
    expect(() => new Webhook(secret).verify(received.body, received.headers)).not.toThrow();
    expect(() => new Webhook(hook.secret).verify(received.body, received.headers)).toThrow();
  });

  test("bad webhook input is a problem+json naming the field", async () => {
    const cases: Array<[unknown, string]> = [
      [{ url: "ftp://example.com/x" }, "body.url"],
      [{ url: "https://user:pw@example.com/x" }, "body.url"],
      [{ url: "not a url" }, "body.url"],
      [{ url: `${receiver.url}`, events: ["message.exploded"] }, "body.events.0"],
      [{ url: `${receiver.url}`, mailbox_id: "mbx_01JZ0000000000000000000000" }, "body.mailbox_id"],
      [{ url: `${receiver.url}`, surprise: true }, "body"],
      [{}, "body.url"],
    ];
    for (const [body, location] of cases) {
      const response = await omni.api("/v1/webhooks", acme.apiKey, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect([400, 422]).toContain(response.status);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      const problem = (await response.json()) as { errors: Array<{ location: string }> };
      expect(problem.errors.map((e) => e.location)).toContain(location);
    }
  });
});

function hookUrlKey(hook: { query: string }): string {
  return hook.query;
}
