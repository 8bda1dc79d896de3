import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { idAt } from "../../core/ids";
import { ingestMessage } from "../../core/ingest/ingest-message";
import { listRejections } from "../../core/policy/ledger";
import { deleteExpiredMail } from "../../core/policy/mail-retention";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";
import { openRawSmtp } from "../helpers/smtp-client";

/**
 * The rejection ledger (each refusal once, for the right tenant only; the
 * operator's apart; a flood bounded per minute without slowing replies), quotas
 * (452 4.2.2 for a tenant at its limit while another receives; deleting frees
 * it) and per-mailbox retention (only old mail of that mailbox, with events).
 */

const ADMIN = "admin-token-for-ledger-tests";
let omni: OmniMail;
let acme: TestTenant;
let globex: TestTenant;

const json = (method: string, body: unknown) => ({
  method,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

async function transaction(rcpts: string[], options: { mailFrom?: string; body?: string } = {}) {
  const smtp = await openRawSmtp(omni.smtpPort);
  try {
    await smtp.reply();
    await smtp.command("EHLO client.example.org");
    await smtp.command(`MAIL FROM:<${options.mailFrom ?? "sender@example.org"}>`);
    const replies = [];
    for (const rcpt of rcpts) replies.push(await smtp.command(`RCPT TO:<${rcpt}>`));
    let data = null;
    if (options.body !== undefined && replies.some((reply) => reply.code === 250)) {
      await smtp.command("DATA");
      smtp.write(`${options.body}\r\n.\r\n`);
      data = await smtp.reply();
    }
    return { replies, data };
  } finally {
    smtp.close();
  }
}

type RejectionJson = {
  reason: string;
  code: number;
  enhanced_code: string;
  rcpt_to: string | null;
  stage: string;
};
const rejectionsOf = async (tenant: TestTenant) => {
  await omni.smtp.flushRejections();
  return (
    (await (await omni.api("/v1/rejections?limit=100", tenant.apiKey)).json()) as { data: RejectionJson[] }
  ).data;
};

beforeAll(async () => {
  omni = await startOmniMail({
    env: { OMNIMAIL_ADMIN_TOKEN: ADMIN, OMNIMAIL_MAX_MESSAGE_BYTES: "20000" },
    // The flood below is one session: no error limit cuts it short.
    smtpLimits: { softErrorLimit: 1_000_000, hardErrorLimit: 1_000_000 },
  });
  acme = await omni.addTenant("acme.test", ["sales", "archive"]);
  globex = await omni.addTenant("globex.test", ["inbox"]);
});
afterAll(() => omni.stop());

describe("the rejection ledger", () => {
  test("each refusal appears once, for its tenant only; unhosted domains are the operator's", async () => {
    await omni.api(
      "/v1/rules",
      acme.apiKey,
      json("POST", { match: { sender: "*@blocked.example" }, action: "reject", reason: "Blocked" }),
    );
    await transaction(["nobody@acme.test", "x@unhosted.example"]);
    await transaction(["sales@acme.test"], { mailFrom: "a@blocked.example" });
    await transaction(["sales+r1baaaaaaaaaaaaaaaaaaaaaaaaaaaaa@acme.test"]);
    // DATA over OMNIMAIL_MAX_MESSAGE_BYTES: the tenant of the accepted recipient's.
    const big = await transaction(["sales@acme.test"], { body: `Subject: big\r\n\r\n${"x".repeat(25_000)}` });
    expect(big.data?.code).toBe(552);

    const rows = await rejectionsOf(acme);
    const summary = rows
      .map((row) => [row.stage, row.reason, `${row.code} ${row.enhanced_code}`, row.rcpt_to])
      .sort();
    expect(summary).toEqual(
      [
        ["rcpt_to", "mailbox_unknown", "550 5.1.1", "nobody@acme.test"],
        ["rcpt_to", "rule_rejected", "550 5.7.1", "sales@acme.test"],
        ["rcpt_to", "reply_address_invalid", "550 5.7.1", "sales+r1baaaaaaaaaaaaaaaaaaaaaaaaaaaaa@acme.test"],
        ["data", "too_big", "552 5.3.4", "sales@acme.test"],
      ].sort(),
    );
    expect(rows.find((row) => row.reason === "rule_rejected")).toMatchObject({ detail: "Blocked" });
    // Globex sees none of it; the unhosted domain is the operator's.
    expect(await rejectionsOf(globex)).toEqual([]);
    const operator = await listRejections(omni.database.db, null, { limit: 100 });
    expect(operator.map((row) => [row.reason, row.rcptTo])).toContainEqual([
      "relay_denied",
      "x@unhosted.example",
    ]);
    expect(operator.some((row) => row.rcptTo?.endsWith("@acme.test"))).toBe(false);
    // Filters.
    const onlyRules = (await (await omni.api("/v1/rejections?reason=rule_rejected", acme.apiKey)).json()) as {
      data: RejectionJson[];
    };
    expect(onlyRules.data.map((row) => row.reason)).toEqual(["rule_rejected"]);
  });

  test("a flood of 10,000 refusals: replies stay as fast, and the ledger keeps at most its bound a minute", async () => {
    const smtp = await openRawSmtp(omni.smtpPort);
    await smtp.reply();
    await smtp.command("EHLO flood.example.org");
    await smtp.command("MAIL FROM:<flood@example.org>");
    const times: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const started = performance.now();
      const reply = await smtp.command(`RCPT TO:<ghost-${i}@globex.test>`);
      times.push(performance.now() - started);
      if (reply.code !== 550) throw new Error(`refusal ${i}: ${reply.code}`);
    }
    smtp.close();
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    // The last thousand as fast as the first thousand (generous: a shared machine).
    expect(median(times.slice(-1000))).toBeLessThan(median(times.slice(0, 1000)) * 3 + 2);
    await omni.smtp.flushRejections();
    const rows = await listRejections(omni.database.db, globex.id, { limit: 100_000 });
    const recorded = rows.filter((row) => row.reason === "mailbox_unknown").length;
    const minutes = new Set(rows.map((row) => Math.floor(row.at / 60_000))).size;
    expect(recorded).toBeLessThanOrEqual(600 * minutes);
    expect(recorded).toBeGreaterThan(0);
  }, 120_000);
});

describe("quotas", () => {
  test("at its limit a tenant gets 452 4.2.2 while another receives; deleting mail frees it", async () => {
    const usage = async () =>
      (await (await omni.api("/v1/usage", acme.apiKey)).json()) as {
        messages: number;
        limits: { max_messages: number };
      };
    const before = await usage();
    const set = await fetch(`${omni.apiUrl}/admin/tenants/${acme.id}`, {
      ...json("PATCH", { limits: { max_messages: before.messages + 1 } }),
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
    });
    expect(set.status).toBe(200);
    expect((await usage()).limits.max_messages).toBe(before.messages + 1);
    const first = await transaction(["sales@acme.test"], { body: "Subject: fits\r\n\r\nok" });
    expect(first.data?.code).toBe(250);
    const full = await transaction(["sales@acme.test"]);
    expect(full.replies[0]?.code).toBe(452);
    expect(full.replies[0]?.text).toStartWith("4.2.2 ");
    expect((await transaction(["inbox@globex.test"])).replies[0]?.code).toBe(250);
    expect((await usage()).messages).toBe(before.messages + 1);
    expect((await rejectionsOf(acme)).some((row) => row.reason === "quota_exceeded")).toBe(true);

    const list = (await (
      await omni.api(`/v1/mailboxes/${acme.mailboxes["sales@acme.test"]}/messages?limit=1`, acme.apiKey)
    ).json()) as { data: Array<{ id: string }> };
    await omni.api(`/v1/messages/${list.data[0]?.id}`, acme.apiKey, { method: "DELETE" });
    expect((await usage()).messages).toBe(before.messages);
    expect((await transaction(["sales@acme.test"])).replies[0]?.code).toBe(250);
    // Without the admin token: 401.
    expect(
      (
        await fetch(
          `${omni.apiUrl}/admin/tenants/${acme.id}`,
          json("PATCH", { limits: { max_messages: null } }),
        )
      ).status,
    ).toBe(401);
  });
});

describe("per-mailbox retention", () => {
  test("removes only that mailbox's old mail, in batches, with message.deleted events", async () => {
    const archive = acme.mailboxes["archive@acme.test"] ?? "";
    const sales = acme.mailboxes["sales@acme.test"] ?? "";
    let serial = 0;
    const store = (mailboxId: string, ageDays: number, subject: string) =>
      ingestMessage(
        { store: omni.store, links: { publicUrl: "http://omnimail.test" } },
        {
          ingress: "smtp",
          raw: new TextEncoder().encode(`From: a@example.org\r\nSubject: ${subject}\r\n\r\nbody\r\n`),
          traceHeader: () => "Received: from test by mx.test; Tue, 1 Dec 2026 00:00:00 +0000\r\n",
          envelope: { mailFrom: "a@example.org", remoteIp: "127.0.0.1", helo: "test", tls: null },
          deliveries: [
            {
              // An id made that long ago (ids carry their time; newId never goes back).
              messageId: `${idAt("message", Date.now() - ageDays * 86_400_000).slice(0, -4)}${String(serial++).padStart(4, "0")}`,
              tenantId: acme.id,
              mailboxId,
              rcptTo: ["x@acme.test"],
            },
          ],
        },
      );
    for (let i = 0; i < 5; i++) await store(archive, 40, `old ${i}`);
    await store(archive, 1, "recent");
    await store(sales, 40, "old in sales");
    const patched = await omni.api(
      `/v1/mailboxes/${archive}`,
      acme.apiKey,
      json("PATCH", { retention_days: 30 }),
    );
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { retention_days: number }).retention_days).toBe(30);

    const deleted = await deleteExpiredMail(omni.store, { batchSize: 2 });
    expect(deleted).toBe(5);
    const subjects = async (mailbox: string) =>
      (
        (await (await omni.api(`/v1/mailboxes/${mailbox}/messages`, acme.apiKey)).json()) as {
          data: Array<{ subject: string }>;
        }
      ).data.map((message) => message.subject);
    expect(await subjects(archive)).toEqual(["recent"]);
    expect(await subjects(sales)).toContain("old in sales");
    const events = (await (
      await omni.api("/v1/events?types=message.deleted&limit=100", acme.apiKey)
    ).json()) as {
      data: Array<{ data: { mailbox_id: string; reason: string } }>;
    };
    const retention = events.data.filter((event) => event.data.reason === "retention");
    expect(retention.length).toBe(5);
    expect(retention.every((event) => event.data.mailbox_id === archive)).toBe(true);
    // Bad values name the field; another tenant's mailbox is 404.
    const bad = await omni.api(`/v1/mailboxes/${archive}`, acme.apiKey, json("PATCH", { retention_days: 0 }));
    expect(bad.status).toBe(400);
    expect(
      (await omni.api(`/v1/mailboxes/${archive}`, globex.apiKey, json("PATCH", { retention_days: 3 })))
        .status,
    ).toBe(404);
  });
});
