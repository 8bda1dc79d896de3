import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { getLinkKey } from "../../core/links/link-keys";
import { signUrl } from "../../core/links/signed-links";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { sendMail } from "../helpers/send";

/**
 * Links a webhook receiver can open: the raw_url and attachment urls of a
 * webhook are signed and expiring, open without an API key, name one object
 * only, and stop opening when changed, expired or after the tenant rotates its key.
 */

let omni: OmniMail;
let acme: TestTenant;
let globex: TestTenant;
let receiver: Receiver;

type Data = {
  id: string;
  raw_url: string;
  expires_at: string;
  attachments_included: boolean;
  attachments: Array<{ url: string; expires_at: string; sha256: string }>;
};

/** Messages as a webhook delivered them. */
const delivered = () => receiver.received.map((hook) => (JSON.parse(hook.body) as { data: Data }).data);
// The API's host in the links is OMNIMAIL_PUBLIC_URL; tests reach the server at its local address.
const local = (url: string) => url.replace("http://omnimail.test", omni.apiUrl);

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["inbox"]);
  globex = await omni.addTenant("globex.test", ["inbox"]);
  receiver = startReceiver();
  await omni.api("/v1/webhooks", acme.apiKey, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: receiver.url }),
  });
  for (const subject of ["first", "second"]) {
    await sendMail(omni.smtpPort, {
      from: "s@example.org",
      to: "inbox@acme.test",
      subject,
      text: subject,
      attachments: [{ filename: `${subject}.txt`, content: `attached to ${subject}` }],
    });
  }
  await waitFor(() => (receiver.received.length >= 2 ? true : undefined));
});
afterAll(async () => {
  receiver.stop();
  await omni.stop();
});

describe("signed links in webhooks", () => {
  test("raw_url and each attachment url open without a key and give the exact bytes", async () => {
    const [first] = delivered() as [Data];
    expect(first.attachments_included).toBe(false);
    expect(first.raw_url).toMatch(/\/raw\?expires=\d+&sig=[\w-]{43}$/);
    // An hour (the default TTL) from sending.
    expect(Date.parse(first.expires_at) - Date.now()).toBeGreaterThan(3500_000);
    expect(first.attachments[0]?.expires_at).toBe(first.expires_at);
    const raw = await fetch(local(first.raw_url));
    expect(raw.status).toBe(200);
    const withKey = await omni.api(`/v1/messages/${first.id}/raw`, acme.apiKey);
    expect(new Uint8Array(await raw.arrayBuffer())).toEqual(new Uint8Array(await withKey.arrayBuffer()));
    const attachment = await fetch(local(first.attachments[0]?.url ?? ""));
    expect(attachment.status).toBe(200);
    expect(await attachment.text()).toBe("attached to first");
  });

  test("one character changed, another message's id with this signature, a later expiry: 403 problem+json each", async () => {
    const [first, second] = delivered() as [Data, Data];
    const url = new URL(local(first.raw_url));
    const sig = url.searchParams.get("sig") ?? "";
    const flipped = new URL(url);
    flipped.searchParams.set("sig", (sig[0] === "A" ? "B" : "A") + sig.slice(1));
    const otherMessage = new URL(url);
    otherMessage.pathname = otherMessage.pathname.replace(first.id, second.id);
    const longer = new URL(url);
    longer.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 3600));
    const otherAttachment = new URL(local(first.attachments[0]?.url ?? ""));
    otherAttachment.pathname = new URL(local(second.attachments[0]?.url ?? "")).pathname.replace(
      second.id,
      first.id,
    );
    for (const candidate of [flipped, otherMessage, longer, otherAttachment]) {
      const response = await fetch(candidate);
      expect({ url: candidate.pathname, status: response.status }).toEqual({
        url: candidate.pathname,
        status: 403,
      });
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
    // Without any key or signature: 401 as before.
    expect((await fetch(`${omni.apiUrl}/v1/messages/${first.id}/raw`)).status).toBe(401);
    // A signature does not open other routes (the message JSON needs a key).
    const json = new URL(url);
    json.pathname = json.pathname.replace(/\/raw$/, "");
    expect((await fetch(json)).status).toBe(401);
  });

  test("an expired link is 403 saying so; ?signed_urls=1 hands out fresh ones", async () => {
    const [first] = delivered() as [Data];
    const response = await omni.api(`/v1/messages/${first.id}?signed_urls=1`, acme.apiKey);
    const message = (await response.json()) as Data;
    expect(message.raw_url).toContain("sig=");
    expect((await fetch(local(message.raw_url))).status).toBe(200);
    // A link signed with the tenant's own key whose expiry has passed: the signature holds, the time does not.
    const linkKey = (await getLinkKey(omni.database.db, acme.id)) as string;
    const past = await signUrl(
      local(message.raw_url.split("?")[0] ?? ""),
      linkKey,
      Math.floor(Date.now() / 1000) - 5,
    );
    const expired = await fetch(past);
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as { detail: string }).detail).toContain("expired");
  });

  test("links are per tenant: another tenant's rotation changes nothing; this tenant's invalidates every earlier link", async () => {
    const [first] = delivered() as [Data];
    await omni.api("/v1/signing-keys/rotate", globex.apiKey, { method: "POST" });
    expect((await fetch(local(first.raw_url))).status).toBe(200);
    const rotated = await omni.api("/v1/signing-keys/rotate", acme.apiKey, { method: "POST" });
    expect(rotated.status).toBe(200);
    expect((await fetch(local(first.raw_url))).status).toBe(403);
    expect((await fetch(local(first.attachments[0]?.url ?? ""))).status).toBe(403);
    // New links, signed with the new key, open.
    const fresh = (await (
      await omni.api(`/v1/messages/${first.id}?signed_urls=1`, acme.apiKey)
    ).json()) as Data;
    expect((await fetch(local(fresh.raw_url))).status).toBe(200);
  });

  test("the event log's data carries signed links too", async () => {
    const page = (await (await omni.api("/v1/events?types=message.received", acme.apiKey)).json()) as {
      data: Array<{ data: Data }>;
    };
    const data = page.data[0]?.data as Data;
    expect(data.raw_url).toContain("sig=");
    expect((await fetch(local(data.raw_url))).status).toBe(200);
  });
});
