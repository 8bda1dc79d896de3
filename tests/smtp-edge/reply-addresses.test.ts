import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { makeReplyToken } from "../../core/reply-addresses/token";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { openRawSmtp } from "../helpers/smtp-client";

/**
 * Reply addresses (POST /v1/reply-addresses) over a raw SMTP socket: a valid
 * one is delivered with its ref; an altered, expired, other-sender or other
 * tenant's token is refused 550 5.7.1 at RCPT TO, before any DATA, and
 * nothing is stored.
 */

let omni: OmniMail;
let acme: TestTenant;
let globex: TestTenant;
let support: string;
let receiver: Receiver;

const json = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

async function replyAddress(body: Record<string, unknown>, tenant = acme) {
  const response = await omni.api("/v1/reply-addresses", tenant.apiKey, json(body));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A transaction up to RCPT TO; DATA only when the recipient was accepted. */
async function send(rcpt: string, mailFrom = "customer@example.org", subject = "re: your ticket") {
  const smtp = await openRawSmtp(omni.smtpPort);
  try {
    await smtp.reply();
    await smtp.command("EHLO client.example.org");
    await smtp.command(`MAIL FROM:<${mailFrom}>`);
    const rcptReply = await smtp.command(`RCPT TO:<${rcpt}>`);
    if (rcptReply.code !== 250) return { rcpt: rcptReply, data: null };
    await smtp.command("DATA");
    smtp.write(`From: ${mailFrom}\r\nSubject: ${subject}\r\n\r\nthanks\r\n.\r\n`);
    return { rcpt: rcptReply, data: await smtp.reply() };
  } finally {
    smtp.close();
  }
}

const messagesOf = async (tenant: TestTenant, mailbox: string) =>
  (
    (await (await omni.api(`/v1/mailboxes/${mailbox}/messages`, tenant.apiKey)).json()) as {
      data: Array<{ id: string; subject: string; reply_ref: string | null }>;
    }
  ).data;

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["support", "*"]);
  globex = await omni.addTenant("globex.test", ["help"]);
  support = acme.mailboxes["support@acme.test"] ?? "";
  receiver = startReceiver();
  await omni.api("/v1/webhooks", acme.apiKey, json({ url: receiver.url }));
});
afterAll(async () => {
  receiver.stop();
  await omni.stop();
});

describe("reply addresses", () => {
  test("a valid one: 250, and reply_ref on the message, its summary and its webhook", async () => {
    const created = await replyAddress({ mailbox_id: support, ref: "ticket-4711", expires_in: 86_400 });
    expect(created.status).toBe(201);
    const address = created.body.address as string;
    expect(address).toMatch(/^support\+r1[a-z2-7]+@acme\.test$/);
    expect(address.split("@")[0]?.length).toBeLessThanOrEqual(64);
    expect(Date.parse(created.body.expires_at as string) - Date.now()).toBeGreaterThan(86_000_000);

    const { rcpt, data } = await send(address, "customer@example.org", "valid reply");
    expect(rcpt.code).toBe(250);
    expect(data?.code).toBe(250);
    const [summary] = await messagesOf(acme, support);
    expect(summary).toMatchObject({ subject: "valid reply", reply_ref: "ticket-4711" });
    const message = (await (await omni.api(`/v1/messages/${summary?.id}`, acme.apiKey)).json()) as {
      reply_ref: string;
    };
    expect(message.reply_ref).toBe("ticket-4711");
    const hook = await waitFor(() => receiver.received.find((entry) => entry.body.includes("valid reply")));
    expect((JSON.parse(hook.body) as { data: { reply_ref: string } }).data.reply_ref).toBe("ticket-4711");
    // Upper case on the wire (some MTAs change case) still verifies.
    expect((await send(address.toUpperCase())).rcpt.code).toBe(250);
  });

  test("altered, wrong sender, another tenant's token: 550 5.7.1 at RCPT TO with the reason, nothing stored", async () => {
    const plain = (await replyAddress({ mailbox_id: support, ref: "t-1", expires_in: 3600 })).body
      .address as string;
    const bound = (
      await replyAddress({ mailbox_id: support, ref: "t-2", expires_in: 3600, sender: "only@example.org" })
    ).body.address as string;
    const [local, domain] = plain.split("@") as [string, string];
    // One character of the MAC changed; the ref changed (t-1 → t-3 in base32: the last characters).
    const flip = (text: string, at: number) =>
      text.slice(0, at) + (text[at] === "a" ? "b" : "a") + text.slice(at + 1);
    const macChanged = `${flip(local, local.indexOf("+") + 12)}@${domain}`;
    const refChanged = `${flip(local, local.length - 1)}@${domain}`;
    const before = (await messagesOf(acme, support)).length;

    for (const [rcpt, from, reason] of [
      [macChanged, "customer@example.org", "altered or never issued"],
      [refChanged, "customer@example.org", "altered or never issued"],
      [bound, "intruder@example.org", "not valid for mail from intruder@example.org"],
    ] as const) {
      const { rcpt: reply } = await send(rcpt, from);
      expect({ rcpt, code: reply.code, text: reply.text }).toEqual({
        rcpt,
        code: 550,
        text: expect.stringContaining(`5.7.1 `) as unknown as string,
      });
      expect(reply.text).toContain(reason);
    }
    // The bound one from its sender is fine.
    expect((await send(bound, "only@example.org")).rcpt.code).toBe(250);

    // Globex's token, put on an Acme mailbox: refused (another key, another mailbox).
    const theirs = (
      await replyAddress(
        { mailbox_id: globex.mailboxes["help@globex.test"], ref: "t-1", expires_in: 3600 },
        globex,
      )
    ).body.address as string;
    const token = theirs.split("+")[1]?.split("@")[0];
    expect((await send(`support+${token}@acme.test`)).rcpt.code).toBe(550);
    // A token-shaped tag reaching the catch-all is checked too.
    expect((await send(`nobody+${plain.split("+")[1]}`)).rcpt.code).toBe(550);
    expect((await messagesOf(acme, support)).length).toBe(before + 1);
  });

  test("an expired one: 550 5.7.1 saying so", async () => {
    const key = await omni.database.client.execute({
      sql: "SELECT reply_key FROM tenants WHERE id = ?",
      args: [acme.id],
    });
    const token = await makeReplyToken({
      replyKey: String(key.rows[0]?.reply_key),
      mailboxId: support,
      ref: "old",
      expires: Math.floor(Date.now() / 1000) - 10,
    });
    const { rcpt } = await send(`support+${token}@acme.test`);
    expect(rcpt.code).toBe(550);
    expect(rcpt.text).toContain("5.7.1 This reply address has expired");
  });

  test("ordinary subaddresses are untouched: support+newsletter still reaches support", async () => {
    const { rcpt, data } = await send("support+newsletter@acme.test", "list@example.org", "tagged");
    expect(rcpt.code).toBe(250);
    expect(data?.code).toBe(250);
    expect((await messagesOf(acme, support))[0]).toMatchObject({ subject: "tagged", reply_ref: null });
    // A long lowercase tag that merely starts like a token is an ordinary tag too.
    expect((await send("support+r2d2starwarsfanclubmembers@acme.test")).rcpt.code).toBe(250);
  });

  test("bad requests name the field; another tenant's mailbox is 404; a catch-all is refused", async () => {
    const tooLong = await replyAddress({ mailbox_id: support, ref: "x".repeat(40), expires_in: 3600 });
    expect(tooLong.status).toBe(422);
    expect((tooLong.body.errors as Array<{ location: string }>)[0]?.location).toBe("body.ref");
    const badSender = await replyAddress({ mailbox_id: support, ref: "a", expires_in: 3600, sender: "nope" });
    expect((badSender.body.errors as Array<{ location: string }>)[0]?.location).toBe("body.sender");
    const tooShort = await replyAddress({ mailbox_id: support, ref: "a", expires_in: 5 });
    expect((tooShort.body.errors as Array<{ location: string }>)[0]?.location).toBe("body.expires_in");
    const foreign = await replyAddress({ mailbox_id: support, ref: "a", expires_in: 3600 }, globex);
    expect(foreign.status).toBe(404);
    const catchAll = await replyAddress({
      mailbox_id: acme.mailboxes["*@acme.test"],
      ref: "a",
      expires_in: 3600,
    });
    expect(catchAll.status).toBe(422);
    expect((catchAll.body.errors as Array<{ location: string }>)[0]?.location).toBe("body.mailbox_id");
  });
});
