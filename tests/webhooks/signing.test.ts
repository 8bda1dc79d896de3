import { expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { buildMessageReceivedEvent, PAYLOAD_LIMIT } from "../../core/outbox/payload";
import { generateWebhookSecret, signWebhook, webhookHeaders } from "../../core/webhooks/sign";

test("our signature equals the Standard Webhooks reference library's for the same input", async () => {
  for (let i = 0; i < 20; i++) {
    const secret = generateWebhookSecret();
    const id = `dlv_${i}`;
    const body = JSON.stringify({ type: "message.received", n: i, text: "ünïcode ✓" });
    const timestamp = new Date(1_700_000_000_000 + i * 1000);
    const ours = await signWebhook({
      secret,
      id,
      timestampSeconds: Math.floor(timestamp.getTime() / 1000),
      body,
    });
    expect(ours).toBe(new Webhook(secret).sign(id, timestamp, body));
  }
});

test("headers verify with the library, and a changed body does not", async () => {
  const secret = generateWebhookSecret();
  const body = '{"type":"webhook.test"}';
  const headers = await webhookHeaders({ secrets: [secret], id: "dlv_x", body, now: Date.now() });
  expect(new Webhook(secret).verify(body, headers)).toEqual({ type: "webhook.test" });
  expect(() => new Webhook(secret).verify('{"type":"webhook.tampered"}', headers)).toThrow();
});

test("with two secrets, one signature each, space-separated: the library verifies with either", async () => {
  const [current, previous, other] = [
    generateWebhookSecret(),
    generateWebhookSecret(),
    generateWebhookSecret(),
  ];
  const body = '{"type":"webhook.test"}';
  const now = Date.now();
  const headers = await webhookHeaders({ secrets: [current, previous], id: "dlv_y", body, now });
  const timestampSeconds = Math.floor(now / 1000);
  expect(headers["webhook-signature"]).toBe(
    [
      await signWebhook({ secret: current, id: "dlv_y", timestampSeconds, body }),
      await signWebhook({ secret: previous, id: "dlv_y", timestampSeconds, body }),
    ].join(" "),
  );
  expect(new Webhook(current).verify(body, headers)).toEqual({ type: "webhook.test" });
  expect(new Webhook(previous).verify(body, headers)).toEqual({ type: "webhook.test" });
  expect(() => new Webhook(other).verify(body, headers)).toThrow();
});

test("a hostile message (thousands of recipients, a huge body) still makes a payload under 256 KiB", () => {
  const to = Array.from({ length: 5000 }, (_, i) => ({
    address: `user${i}@example.org`,
    name: `User Number ${i}`,
  }));
  const { event, dataJson } = buildMessageReceivedEvent(
    { id: "msg_1", tenantId: "tnt_1", mailboxId: "mbx_1", attachmentIds: [] },
    {
      ingress: "smtp",
      ingressKey: null,
      raw: new Uint8Array(10),
      rawKey: "k",
      envelope: { mailFrom: "a@example.org", remoteIp: null, helo: null, tls: null },
      content: {
        subject: "s".repeat(300_000),
        from: null,
        to,
        cc: to,
        replyTo: [],
        date: null,
        messageId: null,
        inReplyTo: null,
        references: [],
        headers: [],
        text: "x".repeat(1_000_000),
        html: null,
        attachments: [],
        headerAnomalies: [],
      },
      analysis: {
        text: "x".repeat(1_000_000),
        textSource: "text",
        strippedText: "x".repeat(1_000_000),
        signature: "s".repeat(100_000),
        markdown: "x".repeat(1_000_000),
        codes: Array.from({ length: 500 }, (_, i) => ({ value: `${100000 + i}`, context: "c".repeat(200) })),
        links: Array.from({ length: 500 }, (_, i) => ({
          url: `https://example.org/${i}`,
          text: "l".repeat(200),
        })),
      },
      kind: { kind: "human", kindReasons: [], bounce: null },
      parseError: null,
      auth: null,
      deliveries: [
        {
          messageId: "msg_1",
          tenantId: "tnt_1",
          mailboxId: "mbx_1",
          rcptTo: ["a@acme.test"],
          traceHeader: "",
        },
      ],
      receivedAt: Date.now(),
    },
    [],
    { publicUrl: "https://mail.example" },
  );
  const size = new TextEncoder().encode(JSON.stringify(event)).byteLength;
  expect(size).toBeLessThanOrEqual(PAYLOAD_LIMIT);
  // The JSON kept for the event log is the data as fitted.
  expect(dataJson).toBe(JSON.stringify(event.data));
  expect(event.data.id).toBe("msg_1");
  expect(event.data.url).toBe("https://mail.example/v1/messages/msg_1");
});
