import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Page } from "playwright-core";
import { startOmniMail, waitFor } from "../helpers/harness";
import { startReceiver } from "../helpers/receiver";
import { sendMail } from "../helpers/send";
import { openGreetedSmtp } from "../helpers/smtp-client";
import { hasChromium, launchChromium } from "./browser";
import { authenticSender, newsletterMail, sampleMails } from "./fixtures";

/**
 * `npm run screenshots`: the main screens of the web inbox, from a real
 * OmniMail with real mail, saved to docs/screenshots/*.png for the README.
 */
if (!hasChromium) {
  console.error("Chromium is not installed (apt-get install chromium): no screenshots taken.");
  process.exit(1);
}

const OUT = resolve(import.meta.dir, "../../docs/screenshots");
mkdirSync(OUT, { recursive: true });

const sender = authenticSender("acme-cloud.example");
const omni = await startOmniMail({
  dnsResolver: sender.resolver,
  env: { OMNIMAIL_WEBHOOK_RETRY_SCHEDULE: "3600" },
});
const receiver = startReceiver();
const browser = await launchChromium();
try {
  const tenant = await omni.addTenant("acme.test", ["dana", "support", "*"]);
  const dana = "dana@acme.test";
  const addWebhook = async (body: { url: string; mailbox_id?: string }) => {
    const response = await omni.api("/v1/webhooks", tenant.apiKey, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return ((await response.json()) as { id: string }).id;
  };
  // An older endpoint for support@ only, whose receiver says 410 Gone: the list shows why it is off.
  const legacy = `${receiver.url}?source=legacy-crm`;
  const legacyId = await addWebhook({ url: legacy, mailbox_id: tenant.mailboxes["support@acme.test"] ?? "" });
  const webhookId = await addWebhook({ url: receiver.url });

  // The newest delivery fails (the log shows the 503 and the replay button), the rest succeed.
  receiver.respond = (hook) => {
    if (hook.query === "?source=legacy-crm") return new Response("gone", { status: 410 });
    return hook.body.includes("October usage report")
      ? new Response("upstream unavailable", { status: 503 })
      : new Response("ok");
  };
  for (const mail of sampleMails(dana)) await sendMail(omni.smtpPort, mail);
  await sendMail(omni.smtpPort, {
    from: "alerts@status.example",
    to: "support@acme.test",
    subject: "Heads up",
    text: ".",
  });
  await sendMail(omni.smtpPort, newsletterMail(dana, sender.dkim));
  await waitFor(() => (receiver.received.length >= 8 ? true : undefined), 10_000);
  await waitFor(async () => {
    const legacyHook = await omni.api(`/v1/webhooks/${legacyId}`, tenant.apiKey);
    return ((await legacyHook.json()) as { enabled: boolean }).enabled ? undefined : true;
  }, 10_000);

  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: "light" });
  const page = await context.newPage();
  await page.goto(omni.apiUrl);
  await page.fill("#api-key", tenant.apiKey);
  await shot(page, "sign-in");
  await page.click("#signin-submit");
  const mailbox = tenant.mailboxes[dana];
  await page.click(`[data-mailbox="${mailbox}"]`);
  await page.waitForSelector("#message-list .row >> nth=5");
  await page.locator("#list-title").click();
  for (const key of ["j", "j", "j"]) await page.keyboard.press(key);
  await shot(page, "inbox");

  await page.locator("#message-list .row").first().click();
  await page.waitForSelector("iframe.mail-frame");
  await page.waitForTimeout(300);
  await shot(page, "message");

  await page.goto(`${omni.apiUrl}/#/webhooks/${webhookId}`);
  await page.waitForSelector("[data-delivery]");
  await page.locator("[data-status=failed] details summary").first().click();
  await page.locator(".webhooks-page").evaluate((element) => element.scrollTo(0, 0));
  await shot(page, "webhooks");

  // A few rules, and refusals they gave over SMTP, for the Rules and Rejections pages.
  const rules = [
    {
      priority: 10,
      action: "reject",
      match: { sender_domain: "spam.example" },
      reason: "We do not accept mail from spam.example",
    },
    {
      priority: 20,
      action: "reject",
      match: { client_ip: "198.51.100.0/24" },
      reason: "Your network is on our blocklist",
    },
    {
      priority: 50,
      action: "quarantine",
      match: { sender: "*@unknown-vendor.example" },
      scope: { mailbox_id: tenant.mailboxes["support@acme.test"] },
    },
    { priority: 100, action: "accept", match: { sender: "alerts@status.example" } },
  ];
  for (const rule of rules) {
    await omni.api("/v1/rules", tenant.apiKey, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(rule),
    });
  }
  const refusals: Array<[string, string[]]> = [
    ["offers@spam.example", [dana, "support@acme.test"]],
    ["news@mail.spam.example", [dana]],
    ["deals@spam.example", ["sales@acme.test", dana]],
  ];
  for (const [from, recipients] of refusals) {
    const smtp = await openGreetedSmtp(omni.smtpPort);
    await smtp.command("EHLO client.test");
    await smtp.command(`MAIL FROM:<${from}>`);
    for (const to of recipients) await smtp.command(`RCPT TO:<${to}>`);
    smtp.close();
  }
  await omni.smtp.flushRejections();

  await page.goto(`${omni.apiUrl}/#/rules`);
  await page.waitForSelector("#rule-table");
  await page.fill("#test-mail-from", "offers@spam.example");
  await page.fill("#test-rcpt-to", dana);
  await page.fill("#test-client-ip", "203.0.113.7");
  await page.click("#rule-test");
  await page.waitForSelector("#rule-test-reply");
  await shot(page, "rules");

  await page.goto(`${omni.apiUrl}/#/rejections`);
  await page.waitForSelector("#rejection-table");
  await shot(page, "rejections");

  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    colorScheme: "light",
  });
  const phonePage = await phone.newPage();
  await phonePage.goto(omni.apiUrl);
  await phonePage.fill("#api-key", tenant.apiKey);
  await phonePage.click("#signin-submit");
  await phonePage.click(`[data-mailbox="${mailbox}"]`);
  await phonePage.waitForSelector("#message-list .row >> nth=5");
  await shot(phonePage, "phone-list");
  await phonePage.locator("#message-list .row").first().click();
  await phonePage.waitForSelector("iframe.mail-frame");
  await phonePage.waitForTimeout(300);
  await shot(phonePage, "phone-message");
} finally {
  await browser.close();
  receiver.stop();
  await omni.stop();
}

async function shot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: resolve(OUT, `${name}.png`) });
  console.log(`docs/screenshots/${name}.png`);
}
