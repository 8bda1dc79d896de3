import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { sendMail } from "../helpers/send";
import { requireOrSkip } from "../helpers/shared";
import { CHROMIUM_PATH, hasChromium, launchChromium } from "./browser";

/**
 * Deleting in the web inbox can be undone (issue 15, bug 5), in a real Chromium
 * against a real OmniMail: the message leaves the list at once with a
 * "Message deleted · Undo" toast; Undo brings it back and nothing is deleted;
 * the DELETE is sent only when the toast expires, or at once when the page is
 * left. And Esc closes the `?` shortcuts. The steps build on each other.
 */
if (!hasChromium) {
  requireOrSkip(
    `Chromium at ${CHROMIUM_PATH} for tests/ui/inbox-undo.test.ts (apt-get install chromium; .ci/run does it)`,
  );
}

const SUBJECTS = ["Alpha report", "Bravo minutes", "Charlie invoice", "Delta notes"];

describe.skipIf(!hasChromium)("undo a delete in the web inbox", () => {
  let omni: OmniMail;
  let tenant: TestTenant;
  let browser: Browser;
  let page: Page;
  const ids: Record<string, string> = {};
  const dana = "dana@acme.test";

  beforeAll(async () => {
    omni = await startOmniMail();
    tenant = await omni.addTenant("acme.test", ["dana"]);
    for (const subject of SUBJECTS) {
      const reply = await sendMail(omni.smtpPort, { from: "a@b.example", to: dana, subject, text: "." });
      ids[subject] = /queued as (msg_\w+)/.exec(reply)?.[1] ?? "";
    }
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    await page.goto(omni.apiUrl);
    await page.fill("#api-key", tenant.apiKey);
    await page.click("#signin-submit");
    for (const subject of SUBJECTS) await row(subject).waitFor({ timeout: 10_000 });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await omni?.stop();
  });

  const row = (subject: string) => page.locator("#message-list .row", { hasText: subject });
  const status = async (subject: string) =>
    (await omni.api(`/v1/messages/${ids[subject]}`, tenant.apiKey)).status;
  /** Opens the message and goes back to the list, so its row is the selected one. */
  const selectRow = async (subject: string) => {
    await row(subject).click();
    await page.waitForSelector(`#message-subject:has-text('${subject}')`);
    await page.keyboard.press("Escape");
    await page.waitForSelector("#message-subject", { state: "detached" });
    await page.waitForSelector(`#message-list .row.selected:has-text('${subject}')`);
  };
  const deleteRequests: string[] = [];
  const watchDeletes = (target: Page) =>
    target.on("request", (request) => {
      if (request.method() === "DELETE") deleteRequests.push(new URL(request.url()).pathname);
    });

  test("Delete hides the open message with an Undo toast; Undo brings it back, never deleted", async () => {
    watchDeletes(page);
    await row("Charlie invoice").click();
    await page.waitForSelector("#message-subject:has-text('Charlie invoice')");
    await page.click('[data-action="delete"]');

    await row("Charlie invoice").waitFor({ state: "detached" });
    await page.waitForSelector("#toast:not([hidden])");
    expect(await page.textContent("#toast")).toBe("Message deleted · Undo");
    // The next message is shown meanwhile, and the server still has the deleted one.
    await page.waitForSelector("#message-subject:has-text('Bravo minutes')");
    expect(await status("Charlie invoice")).toBe(200);

    await page.click('#toast [data-action="undo"]');
    await row("Charlie invoice").waitFor();
    await page.waitForSelector("#message-subject:has-text('Charlie invoice')");
    expect(await page.isHidden("#toast")).toBe(true);
    // Back in its place: the list is newest first.
    const order = await page
      .locator("#message-list .row")
      .evaluateAll((rows) => rows.map((item) => (item as HTMLElement).dataset.id));
    expect(order).toEqual(SUBJECTS.map((subject) => ids[subject]).reverse());
    expect(deleteRequests).toEqual([]);
  });

  test("# deletes once the toast expires: a list reload meanwhile does not bring it back; then 404", async () => {
    await page.keyboard.press("Escape");
    await page.waitForSelector("#message-subject", { state: "detached" });
    await selectRow("Bravo minutes");
    await page.keyboard.press("#");
    await row("Bravo minutes").waitFor({ state: "detached" });
    expect(await page.textContent("#toast")).toContain("Undo");
    expect(await status("Bravo minutes")).toBe(200);

    // The list is read again from the API (a search): the message waiting to be deleted stays out.
    await page.fill("#search", "bravo");
    await page.waitForSelector("#message-list .empty");
    await page.fill("#search", "");
    await row("Alpha report").waitFor();
    expect(await row("Bravo minutes").count()).toBe(0);
    // Keys go to the search field while it has the focus: give it back to the list.
    await page.locator("#list-title").click();

    await page.waitForSelector("#toast", { state: "hidden", timeout: 10_000 });
    await waitFor(async () => ((await status("Bravo minutes")) === 404 ? true : undefined), 5000);
    // This DELETE went out after Charlie's undo window would have ended: Charlie's was never sent.
    expect(deleteRequests).toEqual([`/v1/messages/${ids["Bravo minutes"]}`]);
    expect(await status("Charlie invoice")).toBe(200);
    expect(await row("Charlie invoice").count()).toBe(1);
    // z after the toast expired undoes nothing.
    await page.keyboard.press("z");
    expect(await row("Bravo minutes").count()).toBe(0);
  }, 20_000);

  test("z undoes a delete from the keyboard", async () => {
    await selectRow("Alpha report");
    await page.keyboard.press("#");
    await row("Alpha report").waitFor({ state: "detached" });
    await page.keyboard.press("z");
    await row("Alpha report").waitFor();
    expect(await page.isHidden("#toast")).toBe(true);
    expect(await status("Alpha report")).toBe(200);
  });

  test("? opens the shortcuts and Esc closes them, leaving the open message open", async () => {
    await row("Delta notes").click();
    await page.waitForSelector("#message-subject:has-text('Delta notes')");
    await page.keyboard.press("?");
    await page.waitForSelector("#shortcuts[open]");
    await page.keyboard.press("Escape");
    await page.waitForSelector("#shortcuts", { state: "hidden", timeout: 5000 });
    expect(await page.evaluate(() => (document.getElementById("shortcuts") as HTMLDialogElement).open)).toBe(
      false,
    );
    expect(await page.textContent("#message-subject")).toBe("Delta notes");
    expect(await page.textContent("#shortcuts")).toContain("undo the delete");
    // With the dialog gone, Esc is the inbox's again: back to the list.
    await page.keyboard.press("Escape");
    await page.waitForSelector("#message-subject", { state: "detached" });
  });

  test("leaving the page while the undo is offered sends the DELETE then (keepalive)", async () => {
    await selectRow("Delta notes");
    await page.keyboard.press("#");
    await row("Delta notes").waitFor({ state: "detached" });
    expect(await status("Delta notes")).toBe(200);
    const left = Date.now();
    await page.goto("about:blank");
    await waitFor(async () => ((await status("Delta notes")) === 404 ? true : undefined), 4000);
    // Sent on leaving, not by the (now gone) page's five-second timer.
    expect(Date.now() - left).toBeLessThan(4000);
  });
});
