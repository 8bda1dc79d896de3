import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { type ReceivedHook, type Receiver, startReceiver } from "../helpers/receiver";
import { requireOrSkip } from "../helpers/shared";
import { CHROMIUM_PATH, hasChromium, launchChromium } from "./browser";

/**
 * Managing a webhook endpoint from the web inbox, in a real Chromium against a
 * real OmniMail and two real receivers: add it, switch it off and on (also
 * after a 410), edit its URL and mailbox filter, rotate its secret, delete it.
 * Each step checks what the API says afterwards. The steps build on each other.
 */
if (!hasChromium) {
  requireOrSkip(
    `Chromium at ${CHROMIUM_PATH} for tests/ui/webhooks.test.ts (apt-get install chromium; .ci/run does it)`,
  );
}

interface WebhookJson {
  id: string;
  url: string;
  mailbox_id: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  previous_secret_expires_at: string | null;
}

describe.skipIf(!hasChromium)("webhook endpoints managed in Chromium", () => {
  let omni: OmniMail;
  let tenant: TestTenant;
  let browser: Browser;
  let page: Page;
  let first: Receiver;
  let second: Receiver;
  let webhookId = "";
  let createdSecret = "";
  const dana = "dana@acme.test";

  beforeAll(async () => {
    omni = await startOmniMail({ env: { OMNIMAIL_WEBHOOK_RETRY_SCHEDULE: "3600" } });
    tenant = await omni.addTenant("acme.test", ["dana", "*"]);
    first = startReceiver();
    second = startReceiver();
    browser = await launchChromium();
    const context = await browser.newContext();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: omni.apiUrl });
    page = await context.newPage();
    await page.goto(`${omni.apiUrl}/#/webhooks`);
    await page.fill("#api-key", tenant.apiKey);
    await page.click("#signin-submit");
    await page.waitForSelector("#webhook-list .empty");
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    first?.stop();
    second?.stop();
    await omni?.stop();
  });

  const readWebhook = async (): Promise<WebhookJson> => {
    const response = await omni.api(`/v1/webhooks/${webhookId}`, tenant.apiKey);
    expect(response.status).toBe(200);
    return (await response.json()) as WebhookJson;
  };
  const testEventTo = async (receiver: Receiver): Promise<ReceivedHook> => {
    const before = receiver.received.length;
    await page.click(`[data-webhook="${webhookId}"] [data-action="test"]`);
    return waitFor(() => receiver.received[before], 10_000);
  };
  const verify = (secret: string, hook: ReceivedHook) =>
    new StandardWebhook(secret).verify(hook.body, hook.headers);

  test("adds an endpoint and shows its secret once, with a copy button", async () => {
    await page.fill("#webhook-url", first.url);
    await page.click("#webhook-add");
    await page.waitForSelector(".secret-value");
    webhookId = page.url().split("/").at(-1) ?? "";
    expect(webhookId).toStartWith("wh_");
    createdSecret = (await page.textContent(".secret-value")) ?? "";
    expect(createdSecret).toStartWith("whsec_");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-action"))).toBe(
      "copy-secret",
    );

    await page.click('[data-action="copy-secret"]');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(createdSecret);
    expect(verify(createdSecret, await testEventTo(first))).toMatchObject({ type: "webhook.test" });

    // The secret was in the page only: nothing kept but the API key, and it is not shown again.
    const storage = await page.evaluate(() => ({
      session: Object.keys(sessionStorage),
      local: localStorage.length,
      cookie: document.cookie,
    }));
    expect(storage).toEqual({ session: ["omnimail.apiKey"], local: 0, cookie: "" });
    await page.click('[data-action="hide-secret"]');
    expect(await page.locator(".secret-value").count()).toBe(0);
    await page.reload();
    await page.waitForSelector("#endpoint-form");
    expect(await page.locator(".secret-value").count()).toBe(0);
  });

  test("disable, then enable with the keyboard: the switch says why, and the API follows", async () => {
    await page.click("#endpoint-enabled");
    await waitFor(async () => ((await readWebhook()).enabled ? undefined : true));
    expect(await readWebhook()).toMatchObject({
      enabled: false,
      disabled_reason: "disabled through the API",
    });
    await page.waitForSelector("#endpoint-status:has-text('Disabled: disabled through the API')");
    expect(await page.getAttribute(`[data-webhook="${webhookId}"]`, "data-enabled")).toBe("false");
    expect(await page.isChecked("#endpoint-enabled")).toBe(false);

    await page.focus("#endpoint-enabled");
    await page.keyboard.press("Space");
    await waitFor(async () => ((await readWebhook()).enabled ? true : undefined));
    expect(await readWebhook()).toMatchObject({ enabled: true, disabled_reason: null });
    await page.waitForSelector("#endpoint-status", { state: "hidden" });
    expect(await page.getAttribute(`[data-webhook="${webhookId}"]`, "data-enabled")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("endpoint-enabled");
  });

  test("an endpoint a receiver disabled with 410 Gone shows that reason, and enabling clears it", async () => {
    first.respond = () => new Response("gone", { status: 410 });
    await testEventTo(first);
    await waitFor(async () => ((await readWebhook()).enabled ? undefined : true), 10_000);
    // The open page notices on its next refresh, without a reload.
    await page.waitForSelector("#endpoint-status:has-text('Disabled: receiver answered 410 Gone')", {
      timeout: 10_000,
    });
    expect(await page.textContent(`[data-webhook="${webhookId}"]`)).toContain(
      "Disabled: receiver answered 410 Gone",
    );

    first.respond = () => new Response("ok");
    await page.click("#endpoint-enabled");
    await waitFor(async () => ((await readWebhook()).enabled ? true : undefined));
    expect(await readWebhook()).toMatchObject({ enabled: true, disabled_reason: null });
    await page.waitForSelector("#endpoint-status", { state: "hidden" });
    expect(await page.textContent(`[data-webhook="${webhookId}"]`)).not.toContain("Disabled");
  });

  test("a URL the API refuses is shown next to its field, and nothing changes", async () => {
    await page.fill("#endpoint-url", "http://user:secret@127.0.0.1/hook");
    await page.click("#endpoint-save");
    await page.waitForSelector("#endpoint-url-error:not([hidden])");
    expect(await page.textContent("#endpoint-url-error")).toBe(
      "The URL must not contain credentials; authenticate with the webhook signature.",
    );
    expect(await page.getAttribute("#endpoint-url", "aria-invalid")).toBe("true");
    expect(await page.getAttribute("#endpoint-url", "aria-describedby")).toBe("endpoint-url-error");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("endpoint-url");
    expect((await readWebhook()).url).toBe(first.url);

    // Editing the field clears its error; the add form shows its refusals the same way.
    await page.fill("#endpoint-url", first.url);
    expect(await page.getAttribute("#endpoint-url", "aria-invalid")).toBeNull();
    await page.fill("#webhook-url", "ftp://example.com/hook");
    await page.click("#webhook-add");
    await page.waitForSelector("#webhook-url-error:not([hidden])");
    expect(await page.textContent("#webhook-url-error")).toBe("The URL must use http or https.");
    expect((await (await omni.api("/v1/webhooks", tenant.apiKey)).json()).data.length).toBe(1);
  });

  test("edits the URL and mailbox filter; the next test event reaches the new receiver", async () => {
    const firstCount = first.received.length;
    await page.fill("#endpoint-url", second.url);
    await page.selectOption("#endpoint-mailbox", { label: dana });
    await page.click("#endpoint-save");
    await waitFor(async () => ((await readWebhook()).url === second.url ? true : undefined));
    expect(await readWebhook()).toMatchObject({ url: second.url, mailbox_id: tenant.mailboxes[dana] });
    await page.waitForSelector(`[data-webhook="${webhookId}"] .endpoint-url:has-text("${second.url}")`);
    expect(await page.textContent(`[data-webhook="${webhookId}"]`)).toContain(dana);

    const hook = await testEventTo(second);
    expect(verify(createdSecret, hook)).toMatchObject({ type: "webhook.test" });
    expect(first.received.length).toBe(firstCount);
  });

  test("rotates the secret after a confirmation; for 24 h later events verify with the new one and the old one", async () => {
    // Escape answers no.
    await page.click('[data-action="rotate-secret"]');
    await page.waitForSelector("#confirm[open]");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("confirm-cancel");
    await page.keyboard.press("Escape");
    await page.waitForSelector("#confirm", { state: "hidden" });
    expect(await page.locator(".secret-value").count()).toBe(0);
    expect(verify(createdSecret, await testEventTo(second))).toMatchObject({ type: "webhook.test" });

    await page.click('[data-action="rotate-secret"]');
    expect(await page.textContent("#confirm-title")).toBe("Rotate the signing secret?");
    await page.click("#confirm-ok");
    await page.waitForSelector(".secret-value");
    const rotated = (await page.textContent(".secret-value")) ?? "";
    expect(rotated).toStartWith("whsec_");
    expect(rotated).not.toBe(createdSecret);

    // The old secret still signs (the API's default grace period), and the page says until when.
    const until = (await readWebhook()).previous_secret_expires_at ?? "";
    expect(Date.parse(until)).toBeGreaterThan(Date.now() + 86_000_000);
    await page.waitForSelector("#secret-grace:not([hidden])");
    expect(await page.textContent("#secret-grace")).toContain("The previous secret also signs");
    const hook = await testEventTo(second);
    expect(hook.headers["webhook-signature"]?.split(" ").length).toBe(2);
    expect(verify(rotated, hook)).toMatchObject({ type: "webhook.test" });
    expect(verify(createdSecret, hook)).toMatchObject({ type: "webhook.test" });
    // The delivery log says the attempt carried both signatures.
    await page.waitForSelector(`[data-delivery="${hook.headers["webhook-id"]}"] [data-signatures="2"]`, {
      state: "attached",
    });
  });

  test("deletes after a confirmation; the API then answers 404", async () => {
    await page.click('[data-action="delete-endpoint"]');
    await page.click("#confirm-cancel");
    await page.waitForSelector("#confirm", { state: "hidden" });
    expect((await omni.api(`/v1/webhooks/${webhookId}`, tenant.apiKey)).status).toBe(200);

    await page.click('[data-action="delete-endpoint"]');
    expect(await page.textContent("#confirm-body")).toContain(second.url);
    await page.click("#confirm-ok");
    await page.waitForSelector("#webhook-list .empty");
    expect((await omni.api(`/v1/webhooks/${webhookId}`, tenant.apiKey)).status).toBe(404);
    expect(await page.isVisible("#webhook-settings")).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("endpoints-title");
  });
});
