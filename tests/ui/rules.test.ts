import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { sendMail } from "../helpers/send";
import { requireOrSkip } from "../helpers/shared";
import { openGreetedSmtp } from "../helpers/smtp-client";
import { CHROMIUM_PATH, hasChromium, launchChromium } from "./browser";

/**
 * The Rules and Rejections pages and the inbox's quarantine, in a real
 * Chromium against a real OmniMail: a rule added in the page is what SMTP
 * answers over a real socket, the page's test form says the same, the ledger
 * lists the refusal, and a quarantined message released from the page joins
 * the mailbox's list. The steps build on each other, in order.
 */
if (!hasChromium) {
  requireOrSkip(
    `Chromium at ${CHROMIUM_PATH} for tests/ui/rules.test.ts (apt-get install chromium; .ci/run does it)`,
  );
}

interface RuleJson {
  id: string;
  priority: number;
  action: string;
  match: Record<string, string | null>;
  scope: Record<string, string | null>;
  reason: string | null;
}

describe.skipIf(!hasChromium)("rules, rejections and quarantine in Chromium", () => {
  let omni: OmniMail;
  let tenant: TestTenant;
  let browser: Browser;
  let page: Page;
  let ruleId = "";
  const dana = "dana@acme.test";
  const reason = "No mail from spam.example here";

  beforeAll(async () => {
    // The paging test refuses 55 recipients in one session: no slowing down of a session with many errors.
    omni = await startOmniMail({ env: { SMTP_SOFT_ERROR_LIMIT: "200", SMTP_HARD_ERROR_LIMIT: "400" } });
    tenant = await omni.addTenant("acme.test", ["dana", "support"]);
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    await page.goto(`${omni.apiUrl}/#/rules`);
    await page.fill("#api-key", tenant.apiKey);
    await page.click("#signin-submit");
    await page.waitForSelector("#rule-list .empty");
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await omni?.stop();
  });

  const readRules = async (): Promise<RuleJson[]> => {
    const response = await omni.api("/v1/rules", tenant.apiKey);
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: RuleJson[] }).data;
  };

  /** RCPT TO's reply for this sender, over a real SMTP session from 127.0.0.1. */
  const rcptReply = async (mailFrom: string, rcptTo = dana) => {
    const smtp = await openGreetedSmtp(omni.smtpPort);
    try {
      expect((await smtp.command("EHLO client.test")).code).toBe(250);
      expect((await smtp.command(`MAIL FROM:<${mailFrom}>`)).code).toBe(250);
      const reply = await smtp.command(`RCPT TO:<${rcptTo}>`);
      return { code: reply.code, text: reply.text };
    } finally {
      smtp.close();
    }
  };

  const rejectionsOf = async (query = "") => {
    await omni.smtp.flushRejections();
    const response = await omni.api(`/v1/rejections?limit=100${query}`, tenant.apiKey);
    return ((await response.json()) as { data: Array<{ id: string; reason: string }> }).data;
  };

  test("a CIDR the API refuses is shown next to its field, and no rule is added", async () => {
    await page.selectOption("#rule-action", "reject");
    await page.fill("#rule-client-ip", "203.0.113.0/33");
    await page.click("#rule-add");
    await page.waitForSelector("#rule-client-ip-error:not([hidden])");
    expect(await page.textContent("#rule-client-ip-error")).toBe(
      "The client address must be an IPv4 or IPv6 address or CIDR, e.g. 192.0.2.0/24.",
    );
    expect(await page.getAttribute("#rule-client-ip", "aria-invalid")).toBe("true");
    expect(await page.getAttribute("#rule-client-ip", "aria-describedby")).toBe("rule-client-ip-error");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("rule-client-ip");
    expect(await readRules()).toEqual([]);

    // Editing the field clears its error.
    await page.fill("#rule-client-ip", "");
    expect(await page.getAttribute("#rule-client-ip", "aria-invalid")).toBeNull();
    expect(await page.isHidden("#rule-client-ip-error")).toBe(true);
  });

  test("a rule added in the page makes SMTP refuse a matching sender with the rule's reason", async () => {
    await page.selectOption("#rule-action", "reject");
    await page.fill("#rule-sender", "*@spam.example");
    await page.fill("#rule-client-ip", "127.0.0.0/8");
    await page.fill("#rule-priority", "10");
    await page.fill("#rule-reason", reason);
    await page.click("#rule-add");
    await page.waitForSelector("#rule-table [data-rule]");

    const [rule, ...others] = await readRules();
    expect(others).toEqual([]);
    ruleId = rule?.id ?? "";
    expect(rule).toMatchObject({
      priority: 10,
      action: "reject",
      match: { sender: "*@spam.example", sender_domain: null, client_ip: "127.0.0.0/8", rcpt: null },
      scope: { mailbox_id: null, domain_id: null },
      reason,
    });
    const row = page.locator(`[data-rule="${ruleId}"]`);
    expect(await row.locator("td").allTextContents()).toEqual([
      "1",
      "10",
      "reject",
      "sender *@spam.example, client 127.0.0.0/8",
      "all mailboxes",
      reason,
      "Delete…",
    ]);
    // The form is empty again for the next rule.
    expect(await page.inputValue("#rule-sender")).toBe("");

    expect(await rcptReply("offers@spam.example")).toEqual({ code: 550, text: `5.7.1 ${reason}` });
    expect((await rcptReply("friend@example.org")).code).toBe(250);
  });

  test("the test form shows the 550 5.7.1 reply and which rule matched", async () => {
    await page.fill("#test-mail-from", "offers@spam.example");
    await page.fill("#test-rcpt-to", dana);
    await page.fill("#test-client-ip", "127.0.0.1");
    await page.click("#rule-test");
    await page.waitForSelector("#rule-test-reply");
    expect(await page.textContent("#rule-test-reply")).toBe(`550 5.7.1 ${reason}`);
    expect(await page.textContent("#rule-test-verdict")).toBe("refused");
    expect(await page.getAttribute("#rule-test-rule", "data-rule")).toBe(ruleId);
    expect(await page.textContent("#rule-test-rule")).toBe(
      `Matched rule #1: reject sender *@spam.example, client 127.0.0.0/8 (priority 10) · reason “${reason}”`,
    );
    expect(await page.getAttribute(`[data-rule="${ruleId}"]`, "data-matched")).toBe("true");

    // From another network the rule does not match: the mailbox decides.
    await page.fill("#test-client-ip", "192.0.2.1");
    await page.click("#rule-test");
    await page.waitForSelector("#rule-test-reply:has-text('250 2.1.5 Accepted')");
    expect(await page.textContent("#rule-test-verdict")).toBe("accepted");
    expect(await page.locator("#rule-test-rule").count()).toBe(0);
    expect(await page.getAttribute(`[data-rule="${ruleId}"]`, "data-matched")).toBeNull();

    // A recipient on no domain of this tenant is refused under its field.
    await page.fill("#test-rcpt-to", "someone@elsewhere.example");
    await page.click("#rule-test");
    await page.waitForSelector("#test-rcpt-to-error:not([hidden])");
    expect(await page.textContent("#test-rcpt-to-error")).toBe(
      "someone@elsewhere.example is not on one of this tenant's domains.",
    );
    expect(await page.textContent("#rule-test-result")).toBe("");
  });

  test("the rejections view lists the refusal with its codes, and filters by reason", async () => {
    // A second kind of refusal, so the filter has something to leave out.
    expect((await rcptReply("friend@example.org", "nobody@acme.test")).code).toBe(550);
    await waitFor(async () => ((await rejectionsOf()).length >= 2 ? true : undefined));

    await page.click('[data-nav="rejections"]');
    await page.waitForSelector("#rejection-table");
    expect(await page.getAttribute('[data-nav="rejections"]', "aria-current")).toBe("page");
    expect(await page.isVisible(".rules-page")).toBe(false);
    const rows = page.locator("#rejection-table tbody tr");
    expect(await rows.count()).toBe(2);
    // Newest first: the unknown mailbox came last.
    expect(await rows.nth(0).getAttribute("data-reason")).toBe("mailbox_unknown");
    const cells = await page.locator('[data-reason="rule_rejected"] td').allTextContents();
    expect(cells.slice(1)).toEqual([
      "RCPT TO",
      "550 5.7.1",
      "rule_rejected",
      reason,
      "offers@spam.example",
      dana,
      "127.0.0.1",
    ]);
    expect(
      Date.parse((await page.getAttribute('[data-reason="rule_rejected"] time', "datetime")) ?? ""),
    ).toBeLessThanOrEqual(Date.now());
    expect(await page.textContent("#rejection-count")).toBe("2 refusals");

    await page.selectOption("#rejection-reason", "rule_rejected");
    await page.waitForSelector("#rejection-count:has-text('1 rule_rejected refusals')");
    expect(await rows.count()).toBe(1);
    expect(await rows.nth(0).getAttribute("data-reason")).toBe("rule_rejected");
    await page.selectOption("#rejection-reason", "");
    await page.waitForSelector("#rejection-count:has-text('2 refusals')");
  });

  test("pages through the ledger by next_cursor, newest first", async () => {
    const smtp = await openGreetedSmtp(omni.smtpPort);
    try {
      await smtp.command("EHLO client.test");
      await smtp.command("MAIL FROM:<bulk@spam.example>");
      for (let i = 0; i < 55; i++)
        expect((await smtp.command(`RCPT TO:<dana+${i}@acme.test>`)).code).toBe(550);
    } finally {
      smtp.close();
    }
    await waitFor(async () => ((await rejectionsOf()).length >= 57 ? true : undefined));

    await page.click("#rejections-refresh");
    await page.waitForSelector("#rejection-count:has-text('50+ refusals')");
    const ids = () =>
      page
        .locator("#rejection-table tbody tr")
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-rejection") ?? ""));
    const first = await ids();
    expect(first.length).toBe(50);
    expect(await page.textContent("#rejection-table tbody tr td:nth-child(7)")).toBe("dana+54@acme.test");

    await page.click("#rejections-more");
    await page.waitForSelector("#rejection-count:has-text('57 refusals')");
    const all = await ids();
    expect(all.slice(0, 50)).toEqual(first);
    expect(all).toEqual([...all].sort().reverse());
    expect(all).toEqual((await rejectionsOf()).map((row) => row.id));
    expect(await page.isHidden("#rejections-more")).toBe(true);
  });

  test("a reason with markup stays text on both pages, and a deleted rule no longer refuses", async () => {
    const markup = `<img src=x onerror="document.title='pwned'"><b>bold</b>`;
    await page.click('[data-nav="rules"]');
    await page.waitForSelector(`[data-rule="${ruleId}"]`);
    await page.fill("#rule-sender-domain", "markup.example");
    await page.fill("#rule-reason", markup);
    await page.click("#rule-add");
    await page.waitForSelector("#rule-table tbody tr >> nth=1");
    const added = (await readRules()).find((rule) => rule.id !== ruleId);
    // Priority 100 by default: after the priority-10 rule.
    expect(added).toMatchObject({
      priority: 100,
      match: { sender_domain: "markup.example" },
      reason: markup,
    });
    expect(await page.textContent(`[data-rule="${added?.id}"] .rule-reason`)).toBe(markup);
    expect(await rcptReply("x@mail.markup.example")).toEqual({ code: 550, text: `5.7.1 ${markup}` });

    await page.click('[data-nav="rejections"]');
    await page.waitForSelector("#rejection-table");
    await waitFor(async () =>
      (await rejectionsOf("&reason=rule_rejected")).length >= 57 ? true : undefined,
    );
    await page.click("#rejections-refresh");
    await page.waitForSelector(`#rejection-table tbody tr:first-child td:has-text("bold")`);
    expect(await page.textContent("#rejection-table tbody tr:first-child td:nth-child(5)")).toBe(markup);
    expect(await page.evaluate(() => document.querySelectorAll("#app img, #app b").length)).toBe(0);
    expect(await page.title()).toBe("OmniMail");

    // Delete asks first; after it, the same sender is taken.
    await page.click('[data-nav="rules"]');
    await page.click(`[data-rule="${added?.id}"] [data-action="delete-rule"]`);
    await page.waitForSelector("#confirm[open]");
    expect(await page.textContent("#confirm-body")).toContain(
      "reject sender domain markup.example (priority 100)",
    );
    await page.click("#confirm-ok");
    await page.waitForSelector(`[data-rule="${added?.id}"]`, { state: "detached" });
    expect((await readRules()).map((rule) => rule.id)).toEqual([ruleId]);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("rule-list-title");
    expect((await rcptReply("x@mail.markup.example")).code).toBe(250);
  });

  test("a quarantined message released from the page appears in the mailbox's list", async () => {
    await page.selectOption("#rule-action", "quarantine");
    await page.fill("#rule-sender-domain", "held.example");
    await page.selectOption("#rule-mailbox", { label: dana });
    await page.click("#rule-add");
    await page.waitForSelector("#rule-table tbody tr >> nth=1");
    expect((await readRules())[1]).toMatchObject({
      action: "quarantine",
      match: { sender_domain: "held.example" },
      scope: { mailbox_id: tenant.mailboxes[dana] },
    });

    const reply = await sendMail(omni.smtpPort, {
      from: "news@held.example",
      to: dana,
      subject: "Held for review",
      text: "This one waits in quarantine.",
    });
    const messageId = /queued as (msg_\w+)/.exec(reply)?.[1] ?? "";
    expect(messageId).toStartWith("msg_");
    await sendMail(omni.smtpPort, {
      from: "friend@example.org",
      to: dana,
      subject: "Ordinary mail",
      text: "Hi.",
    });

    const row = page.locator("#message-list .row", { hasText: "Held for review" });
    await page.click(`[data-mailbox="${tenant.mailboxes[dana]}"]`);
    await page.waitForSelector("#message-list .row:has-text('Ordinary mail')");
    expect(await row.count()).toBe(0);

    await page.check("#quarantined");
    await row.waitFor();
    expect(await page.textContent("#list-count")).toBe("1 quarantined");
    await row.click();
    await page.waitForSelector("#quarantine-notice");
    await page.click('[data-action="release"]');
    await page.waitForSelector("#toast:has-text('Released')");
    await page.waitForSelector("#message-list .empty:has-text('Nothing in quarantine')");
    await page.waitForSelector("#quarantine-notice", { state: "detached" });
    expect(await page.locator('[data-action="release"]').count()).toBe(0);
    const released = await (await omni.api(`/v1/messages/${messageId}`, tenant.apiKey)).json();
    expect(released).toMatchObject({ id: messageId, quarantined: false });

    await page.uncheck("#quarantined");
    await row.waitFor();
    expect(await page.locator("#message-list .row").allTextContents()).toHaveLength(2);
    expect(await page.getAttribute(`#message-list [data-id="${messageId}"]`, "href")).toBe(
      `#/m/${tenant.mailboxes[dana]}/${messageId}`,
    );
  });
});
