import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { openRawSmtp } from "../helpers/smtp-client";

/**
 * The RCPT-time hook: the tenant's own application answers RCPT TO. A real
 * receiver accepts, rejects, times out and answers 500; the SMTP replies are
 * 250, 550 5.7.1 with its reason, and `on_timeout`; answers are cached for
 * `cache_seconds`; every call verifies with `standardwebhooks`.
 */

let omni: OmniMail;
let acme: TestTenant;
let hook: Receiver;
let domainId: string;
let secret: string;

async function rcpt(to: string, mailFrom = "customer@example.org") {
  const smtp = await openRawSmtp(omni.smtpPort);
  try {
    await smtp.reply();
    await smtp.command("EHLO client.example.org");
    await smtp.command(`MAIL FROM:<${mailFrom}>`);
    return await smtp.command(`RCPT TO:<${to}>`);
  } finally {
    smtp.close();
  }
}

const setHook = (body: unknown, tenant = acme, instance = omni, id = domainId) =>
  instance.api(`/v1/domains/${id}`, tenant.apiKey, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ rcpt_hook: body }),
  });

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["*"]);
  domainId = ((await (await omni.api("/v1/domains", acme.apiKey)).json()) as { data: Array<{ id: string }> })
    .data[0]?.id as string;
  hook = startReceiver();
  hook.respond = async (request) => {
    const { rcpt_to: to } = JSON.parse(request.body) as { rcpt_to: string };
    if (to.startsWith("live")) return Response.json({ action: "accept" });
    if (to.startsWith("gone")) return Response.json({ action: "reject", reason: "This ticket is closed" });
    if (to.startsWith("slow")) {
      await Bun.sleep(1500);
      return Response.json({ action: "accept" });
    }
    return new Response("boom", { status: 500 });
  };
  const response = await setHook({ url: hook.url, timeout_ms: 300, on_timeout: "tempfail" });
  expect(response.status).toBe(200);
  const domain = (await response.json()) as { rcpt_hook_secret: string; rcpt_hook: { url: string } };
  secret = domain.rcpt_hook_secret;
  expect(secret).toStartWith("whsec_");
  expect(domain.rcpt_hook.url).toBe(hook.url);
});
afterAll(async () => {
  hook.stop();
  await omni.stop();
});

describe("the RCPT hook", () => {
  test("accept → 250, reject → 550 5.7.1 with its reason, timeout and 500 → on_timeout (tempfail 451 4.4.3)", async () => {
    expect((await rcpt("live-1@acme.test")).code).toBe(250);
    const rejected = await rcpt("gone-1@acme.test");
    expect(rejected.code).toBe(550);
    expect(rejected.text).toBe("5.7.1 This ticket is closed");
    const started = performance.now();
    const slow = await rcpt("slow-1@acme.test");
    expect(slow.code).toBe(451);
    expect(slow.text).toStartWith("4.4.3 ");
    // Bounded by timeout_ms, not by the hook's 1.5 s.
    expect(performance.now() - started).toBeLessThan(1200);
    expect((await rcpt("error-1@acme.test")).code).toBe(451);
  });

  test("on_timeout accept and reject", async () => {
    await setHook({ url: hook.url, timeout_ms: 300, on_timeout: "accept" });
    expect((await rcpt("error-2@acme.test")).code).toBe(250);
    await setHook({ url: hook.url, timeout_ms: 300, on_timeout: "reject" });
    expect((await rcpt("error-3@acme.test")).code).toBe(550);
    await setHook({ url: hook.url, timeout_ms: 300, on_timeout: "tempfail" });
  });

  test("every call is signed with the hook's secret and carries the transaction", async () => {
    const calls = hook.received.filter((call) => call.body.includes("live-1@acme.test"));
    expect(calls.length).toBeGreaterThan(0);
    const body = new Webhook(secret).verify(calls[0]?.body ?? "", calls[0]?.headers ?? {}) as Record<
      string,
      unknown
    >;
    expect(body).toEqual({
      mail_from: "customer@example.org",
      rcpt_to: "live-1@acme.test",
      client_ip: "127.0.0.1",
      helo: "client.example.org",
    });
    // The secret is shown once: changing the hook keeps it and does not show it again.
    const changed = (await (await setHook({ url: hook.url, timeout_ms: 300 })).json()) as Record<
      string,
      unknown
    >;
    expect(changed.rcpt_hook_secret).toBeUndefined();
  });

  test("cache_seconds: a second RCPT for the same sender and recipient does not call again", async () => {
    await setHook({ url: hook.url, timeout_ms: 300, cache_seconds: 60 });
    const count = () => hook.received.filter((call) => call.body.includes("live-cached@acme.test")).length;
    expect((await rcpt("live-cached@acme.test")).code).toBe(250);
    expect((await rcpt("live-cached@acme.test")).code).toBe(250);
    expect(count()).toBe(1);
    // Another sender is another question.
    expect((await rcpt("live-cached@acme.test", "other@example.org")).code).toBe(250);
    expect(count()).toBe(2);
  });

  test("a rule that decides first means the hook is not asked", async () => {
    const before = hook.received.length;
    await omni.api("/v1/rules", acme.apiKey, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ match: { sender: "vip@example.org" }, action: "accept" }),
    });
    expect((await rcpt("gone-2@acme.test", "vip@example.org")).code).toBe(250);
    expect(hook.received.length).toBe(before);
  });

  test("a hook URL on a private address is refused unless OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS allows it", async () => {
    const strict = await startOmniMail({ env: { OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS: "0" } });
    try {
      const tenant = await strict.addTenant("strict.test", ["*"]);
      const id = (
        (await (await strict.api("/v1/domains", tenant.apiKey)).json()) as { data: Array<{ id: string }> }
      ).data[0]?.id as string;
      const refused = await setHook({ url: "http://127.0.0.1:9/rcpt" }, tenant, strict, id);
      expect(refused.status).toBe(422);
      const problem = (await refused.json()) as { detail: string; errors: Array<{ location: string }> };
      expect(problem.errors[0]?.location).toBe("body.rcpt_hook.url");
      expect(problem.detail).toContain("OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS");
      // Another tenant's domain: 404.
      const other = await strict.addTenant("other.test", ["*"]);
      expect((await setHook({ url: "https://hooks.example.com/" }, other, strict, id)).status).toBe(404);
    } finally {
      await strict.stop();
    }
  });
});
