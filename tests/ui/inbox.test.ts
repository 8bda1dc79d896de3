import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Browser, BrowserContext, Frame, Page, Request } from "playwright-core";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { sendMail } from "../helpers/send";
import { requireOrSkip } from "../helpers/shared";
import { CHROMIUM_PATH, hasChromium, launchChromium } from "./browser";
import { hostileHtml } from "./fixtures";

/**
 * The web inbox in a real Chromium against a real OmniMail: mail goes in over
 * SMTP during the test and must show up in the open page; hostile HTML must
 * render without running anything; downloads, search and webhook replay work
 * end to end. The steps build on each other, in order.
 */
if (!hasChromium) {
  requireOrSkip(
    `Chromium at ${CHROMIUM_PATH} for tests/ui/inbox.test.ts (apt-get install chromium; .ci/run does it)`,
  );
}

/** A stand-in for a sender's tracking server: any hit is something the mail got to do. */
function startTracker() {
  const hits: string[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request) {
      hits.push(new URL(request.url).pathname);
      // A 1×1 GIF.
      const gif = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");
      return new Response(gif, { headers: { "content-type": "image/gif" } });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, hits, stop: () => server.stop(true) };
}

describe.skipIf(!hasChromium)("web inbox in Chromium", () => {
  let omni: OmniMail;
  let tenant: TestTenant;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let tracker: ReturnType<typeof startTracker>;
  let receiver: Receiver;
  const requests: Request[] = [];
  const attachment = randomBytes(50_000);
  const dana = "dana@acme.test";

  beforeAll(async () => {
    // Failed webhooks wait an hour, so only the replay button can deliver them again.
    omni = await startOmniMail({ env: { OMNIMAIL_WEBHOOK_RETRY_SCHEDULE: "3600" } });
    tenant = await omni.addTenant("acme.test", ["dana", "*"]);
    tracker = startTracker();
    receiver = startReceiver();
    browser = await launchChromium();
    context = await browser.newContext({ acceptDownloads: true });
    page = await context.newPage();
    page.on("request", (request) => requests.push(request));
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    tracker?.stop();
    receiver?.stop();
    await omni?.stop();
  });

  const row = (text: string) => page.locator("#message-list .row", { hasText: text });

  test("signs in with an API key that stays in sessionStorage and travels only in a header", async () => {
    await page.goto(omni.apiUrl);
    await page.fill("#api-key", "om_live_not_a_real_key");
    await page.click("#signin-submit");
    // textContent() does not wait for the answer: wait for the message to be shown first.
    await page.waitForSelector("#signin-error:not([hidden])");
    await expect(page.locator("#signin-error").textContent()).resolves.toContain("not accepted");

    await page.fill("#api-key", tenant.apiKey);
    await page.click("#signin-submit");
    await page.waitForSelector(`[data-mailbox="${tenant.mailboxes[dana]}"]`);
    const storage = await page.evaluate(() => ({
      session: sessionStorage.getItem("omnimail.apiKey"),
      local: localStorage.length,
      cookie: document.cookie,
    }));
    expect(storage).toEqual({ session: tenant.apiKey, local: 0, cookie: "" });

    const apiCalls = requests.filter((request) => new URL(request.url()).pathname.startsWith("/v1/"));
    expect(apiCalls.length).toBeGreaterThan(0);
    for (const request of requests) expect(request.url()).not.toContain(tenant.apiKey);
    expect(apiCalls.at(-1)?.headers().authorization).toBe(`Bearer ${tenant.apiKey}`);
  });

  test("a mail sent over SMTP appears in the open list without a reload", async () => {
    await page.click(`[data-mailbox="${tenant.mailboxes[dana]}"]`);
    await page.waitForSelector("#message-list .empty");
    await page.waitForSelector('#live[data-live="true"]');
    await page.evaluate(() => Object.assign(window, { __samePage: true }));

    const reply = await sendMail(omni.smtpPort, {
      from: '"Mallory" <mallory@evil.example>',
      to: dana,
      subject: "Quarterly figures (hostile)",
      text: "The text part of the hostile message.",
      html: hostileHtml(tracker.url),
      attachments: [
        { filename: "figures.bin", content: attachment, contentType: "application/octet-stream" },
      ],
    });
    expect(reply).toMatch(/^250 /);
    await row("Quarterly figures").waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => (window as { __samePage?: boolean }).__samePage)).toBe(true);
    expect(await row("Quarterly figures").getAttribute("class")).toContain("unread");
    await waitFor(async () =>
      (await page.textContent(".mailbox-link[aria-current] .count")) === "1" ? true : undefined,
    );
  });

  test("opens it: headers shown, HTML in the sandbox, and the message's script never runs", async () => {
    await row("Quarterly figures").click();
    await page.waitForSelector("iframe.mail-frame");
    expect(await page.textContent("#message-subject")).toBe("Quarterly figures (hostile)");
    expect(await page.textContent(".meta")).toContain("Mallory <mallory@evil.example>");

    const iframe = page.locator("iframe.mail-frame");
    const sandbox = (await iframe.getAttribute("sandbox")) ?? "missing";
    expect(sandbox).not.toBe("missing");
    expect(sandbox).not.toContain("allow-scripts");
    expect(sandbox).not.toContain("allow-same-origin");
    expect(await iframe.getAttribute("src")).toBeNull();
    const srcdoc = (await iframe.getAttribute("srcdoc")) ?? "";
    expect(srcdoc).toMatch(
      /^<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:;/,
    );

    const frame = (await (await iframe.elementHandle())?.contentFrame()) as Frame;
    await frame.waitForSelector("#marker");
    expect(await frame.textContent("#marker")).toBe("Rendered safely in the sandbox.");
    // The frame is an opaque origin: it cannot see ours.
    expect(await frame.evaluate(() => window.origin)).toBe("null");
    // Clicks that would run script or submit do nothing either.
    await frame.click("#js-link", { timeout: 2000 }).catch(() => {});
    await frame.click("#submit", { timeout: 2000 }).catch(() => {});
    await page.waitForTimeout(500);

    expect(await page.title()).toBe("OmniMail");
    expect(await frame.evaluate(() => (window as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(await page.evaluate(() => (window as { __apiReached?: boolean }).__apiReached)).toBeUndefined();
    expect(tracker.hits).toEqual([]);
    // Nothing the frame asked for was fetched: its policy refused every request before it left.
    const fromFrame = requests.filter((request) => request.frame() === frame);
    for (const request of fromFrame) {
      expect(new URL(request.url()).pathname).not.toStartWith("/v1/");
      expect([request.url(), await request.response()]).toEqual([request.url(), null]);
      expect(request.failure()?.errorText).toBe("csp");
    }
    expect(page.url()).toContain(omni.apiUrl);
  });

  test("remote images load only when asked, and still no script runs", async () => {
    await page.click('[data-action="remote-images"]');
    await waitFor(() => (tracker.hits.includes("/pixel.png") ? true : undefined));
    await page.waitForTimeout(300);
    expect(tracker.hits).toEqual(["/pixel.png"]);
    expect(await page.title()).toBe("OmniMail");
  });

  test("the text, headers and raw tabs show the message as text", async () => {
    await page.click("#tab-text");
    expect(await page.textContent("#message-panel")).toContain("The text part of the hostile message.");
    await page.click("#tab-headers");
    expect(await page.textContent("#message-panel")).toContain("mallory@evil.example");
    await page.click("#tab-raw");
    await page.waitForSelector("#message-panel pre.raw");
    expect(await page.textContent("#message-panel pre.raw")).toContain(
      "Subject: Quarterly figures (hostile)",
    );
    // Shown as text: the raw <script> is characters on the page, not an element.
    expect(await page.locator("#message-panel script").count()).toBe(0);
  });

  test("an attachment downloads with exactly the bytes that were sent", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-attachment]")]);
    expect(download.suggestedFilename()).toBe("figures.bin");
    const bytes = await readFile(await download.path());
    const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
    expect(sha256(bytes)).toBe(sha256(attachment));
  });

  test("mark unread, and the list and counts follow", async () => {
    await page.click('[data-action="seen"]');
    await waitFor(async () =>
      (await row("Quarterly figures").getAttribute("class"))?.includes("unread") ? true : undefined,
    );
    await page.click('[data-action="seen"]');
    await waitFor(async () =>
      (await row("Quarterly figures").getAttribute("class"))?.includes("unread") ? undefined : true,
    );
  });

  test("search narrows the list, and clearing it brings everything back", async () => {
    for (const subject of ["Zebra crossing permit", "Kangaroo invoice"]) {
      await sendMail(omni.smtpPort, {
        from: "clerk@city.example",
        to: dana,
        subject,
        text: `About the ${subject}.`,
      });
      await row(subject).waitFor({ timeout: 10_000 });
    }
    expect(await page.locator("#message-list .row").count()).toBe(3);
    await page.keyboard.press("Escape");
    await page.keyboard.press("/");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("search");
    await page.keyboard.type("zebra");
    await waitFor(async () => ((await page.locator("#message-list .row").count()) === 1 ? true : undefined));
    expect(await page.textContent("#message-list")).toContain("Zebra crossing permit");
    await page.fill("#search", "");
    await waitFor(async () => ((await page.locator("#message-list .row").count()) === 3 ? true : undefined));
  });

  test("keyboard: j / k move, Enter opens, # deletes (once its undo has expired)", async () => {
    await page.locator("#list-title").click();
    // The selection stays where the last opened message was; walk to the top first.
    for (const key of ["k", "k", "k", "j", "k"]) await page.keyboard.press(key);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#message-subject");
    expect(await page.textContent("#message-subject")).toBe("Kangaroo invoice");
    const id = page.url().split("/").at(-1) ?? "";
    await page.keyboard.press("#");
    await row("Kangaroo invoice").waitFor({ state: "detached" });
    // The DELETE goes out when the toast's Undo expires (tests/ui/inbox-undo.test.ts).
    await waitFor(
      async () => ((await omni.api(`/v1/messages/${id}`, tenant.apiKey)).status === 404 ? true : undefined),
      15_000,
    );
  });

  test("the webhooks page replays a failed delivery to a real receiver, and sends a test event", async () => {
    receiver.respond = () => new Response("down for maintenance", { status: 500 });
    const created = await omni.api("/v1/webhooks", tenant.apiKey, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: receiver.url }),
    });
    expect(created.status).toBe(201);
    await sendMail(omni.smtpPort, { from: "a@b.example", to: dana, subject: "Announce me", text: "." });
    await waitFor(() => (receiver.received.length === 1 ? true : undefined), 10_000);

    receiver.respond = () => new Response("ok");
    await page.click('[data-nav="webhooks"]');
    const failed = page.locator('[data-delivery][data-status="failed"]');
    await failed.waitFor({ timeout: 10_000 });
    expect(await failed.textContent()).toContain("HTTP 500");
    await failed.locator('[data-action="replay"]').click();
    await waitFor(() => (receiver.received.length === 2 ? true : undefined), 10_000);
    const [first, replayed] = receiver.received;
    expect(replayed?.headers["webhook-id"]).toBe(first?.headers["webhook-id"]);
    expect(JSON.parse(replayed?.body ?? "{}").data.subject).toBe("Announce me");
    await page.locator('[data-delivery][data-status="delivered"]').waitFor({ timeout: 10_000 });

    await page.click('[data-action="test"]');
    await waitFor(() => (receiver.received.length === 3 ? true : undefined), 10_000);
    expect(JSON.parse(receiver.received[2]?.body ?? "{}").type).toBe("webhook.test");
  });

  test("sign out forgets the key", async () => {
    await page.click("#signout");
    await page.waitForSelector("#signin-form");
    expect(await page.isVisible("#app")).toBe(false);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });
});
