import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { sendMail } from "../helpers/send";

/**
 * POST /v1/webhooks/{id}/recover: mail that arrived while an endpoint was
 * disabled (after a 410) reaches it once it is back, once each.
 */

let omni: OmniMail;
let acme: TestTenant;
let receiver: Receiver;

const json = (body: unknown) => ({
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});
const subjectOf = (body: string) => (JSON.parse(body) as { data: { subject: string } }).data.subject;

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["inbox"]);
  receiver = startReceiver();
});
afterAll(async () => {
  receiver.stop();
  await omni.stop();
});

describe("POST /v1/webhooks/{id}/recover", () => {
  test("after a 410 disabled the endpoint, recover sends what it missed once each, with stable webhook-ids", async () => {
    const since = new Date().toISOString();
    const created = await omni.api("/v1/webhooks", acme.apiKey, {
      method: "POST",
      ...json({ url: receiver.url }),
    });
    const endpoint = (await created.json()) as { id: string; secret: string };
    receiver.respond = () => new Response("gone", { status: 410 });
    await sendMail(omni.smtpPort, { from: "s@example.org", to: "inbox@acme.test", subject: "refused" });
    await waitFor(async () => {
      const state = (await (await omni.api(`/v1/webhooks/${endpoint.id}`, acme.apiKey)).json()) as {
        enabled: boolean;
      };
      return state.enabled ? undefined : true;
    });
    // The disabling is an event of the log, with the receiver's answer as its reason.
    const disabled = (await (
      await omni.api("/v1/events?types=webhook.endpoint.disabled", acme.apiKey)
    ).json()) as { data: Array<{ data: { endpoint_id: string; reason: string } }> };
    expect(disabled.data.map((event) => event.data)).toContainEqual(
      expect.objectContaining({ endpoint_id: endpoint.id, reason: "receiver answered 410 Gone" }),
    );
    // Mail while it is disabled is never queued for it.
    for (const subject of ["missed 1", "missed 2", "missed 3"]) {
      await sendMail(omni.smtpPort, { from: "s@example.org", to: "inbox@acme.test", subject });
    }
    receiver.respond = () => new Response("ok");
    const enabled = await omni.api(`/v1/webhooks/${endpoint.id}`, acme.apiKey, {
      method: "PATCH",
      ...json({ enabled: true }),
    });
    expect(enabled.status).toBe(200);
    const recovered = await omni.api(`/v1/webhooks/${endpoint.id}/recover`, acme.apiKey, {
      method: "POST",
      ...json({ since }),
    });
    expect(recovered.status).toBe(202);
    // Three never queued, and the one that got the 410 (dead).
    expect(((await recovered.json()) as { queued: number }).queued).toBe(4);
    await waitFor(() => (receiver.received.length >= 5 ? true : undefined));
    const delivered = receiver.received.slice(1);
    expect(delivered.map((hook) => subjectOf(hook.body)).sort()).toEqual(
      ["missed 1", "missed 2", "missed 3", "refused"].sort(),
    );
    // Signed as every delivery is; the refused one keeps its webhook-id.
    const verifier = new Webhook(endpoint.secret);
    for (const hook of delivered) expect(() => verifier.verify(hook.body, hook.headers)).not.toThrow();
    const firstId = receiver.received[0]?.headers["webhook-id"];
    expect(delivered.find((hook) => subjectOf(hook.body) === "refused")?.headers["webhook-id"]).toBe(firstId);

    // Again: nothing new.
    const again = await omni.api(`/v1/webhooks/${endpoint.id}/recover`, acme.apiKey, {
      method: "POST",
      ...json({ since }),
    });
    expect(((await again.json()) as { queued: number }).queued).toBe(0);
    await Bun.sleep(200);
    expect(receiver.received.length).toBe(5);
    // The delivery log names each delivery's event.
    const log = (await (await omni.api(`/v1/webhooks/${endpoint.id}/deliveries`, acme.apiKey)).json()) as {
      data: Array<{ event_id: string | null }>;
    };
    expect(log.data.length).toBe(4);
    expect(log.data.every((delivery) => delivery.event_id?.startsWith("evt_"))).toBe(true);
  });

  test("since older than the retention, or not a time, is refused naming body.since; another tenant's endpoint is 404", async () => {
    const created = await omni.api("/v1/webhooks", acme.apiKey, {
      method: "POST",
      ...json({ url: receiver.url }),
    });
    const endpoint = (await created.json()) as { id: string };
    const old = await omni.api(`/v1/webhooks/${endpoint.id}/recover`, acme.apiKey, {
      method: "POST",
      ...json({ since: new Date(Date.now() - 8 * 86_400_000).toISOString() }),
    });
    expect(old.status).toBe(422);
    const problem = (await old.json()) as { detail: string; errors: Array<{ location: string }> };
    expect(problem.errors[0]?.location).toBe("body.since");
    expect(problem.detail).toContain("OMNIMAIL_EVENT_RETENTION_DAYS");
    const notATime = await omni.api(`/v1/webhooks/${endpoint.id}/recover`, acme.apiKey, {
      method: "POST",
      ...json({ since: "last tuesday" }),
    });
    expect(notATime.status).toBe(422);
    const globex = await omni.addTenant("globex.test", ["inbox"]);
    const foreign = await omni.api(`/v1/webhooks/${endpoint.id}/recover`, globex.apiKey, {
      method: "POST",
      ...json({ since: new Date().toISOString() }),
    });
    expect(foreign.status).toBe(404);
  });
});
