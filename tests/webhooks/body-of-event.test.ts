import { afterAll, beforeAll, expect, test } from "bun:test";
import { purgeExpiredEvents } from "../../core/events/retention";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { startReceiver } from "../helpers/receiver";
import { sendMail } from "../helpers/send";

/**
 * A delivery of a logged event carries no copy of the body while its event is
 * in the log (migration 0019): the drain makes it from the event when it
 * claims the delivery. Retention writes the body into the delivery before it
 * deletes the event, so a delivery replayed afterwards sends the same body.
 */

let omni: OmniMail;
let acme: TestTenant;
const receiver = startReceiver();

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["inbox"]);
});
afterAll(async () => {
  receiver.stop();
  await omni.stop();
});

/** The body without its links' signatures and their expiry, which are made at each send. */
const unsigned = (body: string) =>
  JSON.parse(body.replace(/\?expires=\d+&sig=[\w-]+/g, "").replace(/,"expires_at":"[^"]*"/g, ""));

test("the body is the event's until retention deletes the event, then the delivery's own copy, sent the same", async () => {
  receiver.respond = () => new Response("down for maintenance", { status: 503 });
  const created = await omni.api("/v1/webhooks", acme.apiKey, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: receiver.url, events: ["message.received"] }),
  });
  const endpoint = (await created.json()) as { id: string };
  await sendMail(omni.smtpPort, {
    from: "bob@example.org",
    to: "inbox@acme.test",
    subject: "kept for a replay",
    text: "Hello.\n".repeat(500),
  });
  await waitFor(() => (receiver.received.length >= 1 ? true : undefined));
  const first = receiver.received[0]?.body ?? "";
  expect(JSON.parse(first).data.subject).toBe("kept for a replay");

  const stored = async () =>
    (
      await omni.database.client.execute(
        "SELECT d.id AS id, d.status AS status, d.payload AS payload, (SELECT count(*) FROM events) AS events FROM webhook_deliveries d",
      )
    ).rows[0];
  await waitFor(async () => ((await stored())?.status === "failed" ? true : undefined));
  // While the event is in the log the delivery holds no copy of its body.
  expect((await stored())?.payload).toBe("");

  const deleted = await purgeExpiredEvents(omni.store, {
    retentionDays: 7,
    now: Date.now() + 8 * 86_400_000,
  });
  expect(deleted).toBe(1);
  const after = await stored();
  expect(after?.events).toBe(0);
  // The body as it was sent, now the delivery's own (its links are signed at each send, never stored signed).
  expect(unsigned(String(after?.payload))).toEqual(unsigned(first));

  receiver.respond = () => new Response("ok");
  const retried = await omni.api(`/v1/webhooks/${endpoint.id}/deliveries/${after?.id}/retry`, acme.apiKey, {
    method: "POST",
  });
  expect(retried.status).toBeLessThan(300);
  await waitFor(() => (receiver.received.length >= 2 ? true : undefined));
  const replay = receiver.received[1];
  expect(unsigned(replay?.body ?? "")).toEqual(unsigned(first));
  expect(replay?.headers["webhook-id"]).toBe(receiver.received[0]?.headers["webhook-id"]);
  await waitFor(async () => ((await stored())?.status === "delivered" ? true : undefined));
});
