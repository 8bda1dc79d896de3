import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { openRawSmtp } from "../helpers/smtp-client";

/**
 * Tenant rules at RCPT TO over a raw SMTP socket: a blocked sender domain is
 * refused 550 5.7.1 with the rule's reason before DATA, an allowed one is
 * accepted, a CIDR rule matches the client address, a quarantine rule stores
 * without announcing until release, and POST /v1/rules/test agrees with what
 * SMTP does for the same inputs.
 */

let omni: OmniMail;
let acme: TestTenant;
let globex: TestTenant;
let receiver: Receiver;
let sales: string;

const post = (path: string, body: unknown, tenant = acme) =>
  omni.api(path, tenant.apiKey, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

async function rcpt(mailFrom: string, to: string, subject?: string) {
  const smtp = await openRawSmtp(omni.smtpPort);
  try {
    await smtp.reply();
    await smtp.command("EHLO client.example.org");
    await smtp.command(`MAIL FROM:<${mailFrom}>`);
    const reply = await smtp.command(`RCPT TO:<${to}>`);
    if (reply.code === 250 && subject) {
      await smtp.command("DATA");
      smtp.write(
        `From: ${mailFrom || "mailer-daemon@example.org"}\r\nSubject: ${subject}\r\n\r\nbody\r\n.\r\n`,
      );
      const data = await smtp.reply();
      expect(data.code).toBe(250);
    }
    return reply;
  } finally {
    smtp.close();
  }
}

const rule = async (body: Record<string, unknown>) => {
  const response = await post("/v1/rules", body);
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string };
};
const removeAll = async () => {
  const list = (await (await omni.api("/v1/rules", acme.apiKey)).json()) as { data: Array<{ id: string }> };
  for (const entry of list.data) await omni.api(`/v1/rules/${entry.id}`, acme.apiKey, { method: "DELETE" });
};

beforeAll(async () => {
  // Rules are read with each uncached recipient; the recipient cache (5 s) is what delays a change.
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["sales", "support"]);
  globex = await omni.addTenant("globex.test", ["inbox"]);
  sales = acme.mailboxes["sales@acme.test"] ?? "";
  receiver = startReceiver();
  await post("/v1/webhooks", { url: receiver.url });
});
afterAll(async () => {
  receiver.stop();
  await omni.stop();
});

describe("rules at RCPT TO", () => {
  test("a blocked sender domain is 550 5.7.1 with the rule's reason; other senders and tenants are untouched", async () => {
    await removeAll();
    await rule({
      priority: 10,
      match: { sender_domain: "spam.example" },
      action: "reject",
      reason: "No spam here",
    });
    const blocked = await rcpt("x@mail.spam.example", "sales@acme.test");
    expect(blocked.code).toBe(550);
    expect(blocked.text).toBe("5.7.1 No spam here");
    expect((await rcpt("x@partner.example", "support@acme.test")).code).toBe(250);
    // Another tenant's mail from the same sender is not acme's business.
    expect((await rcpt("x@mail.spam.example", "inbox@globex.test")).code).toBe(250);
  });

  test("an allow-list: accept partners first, reject the rest", async () => {
    await removeAll();
    await rule({ priority: 1, match: { sender_domain: "partner.example" }, action: "accept" });
    await rule({ priority: 2, scope: { mailbox_id: sales }, action: "reject", reason: "Partners only" });
    expect((await rcpt("a@partner.example", "sales@acme.test")).code).toBe(250);
    const other = await rcpt("a@elsewhere.example", "sales@acme.test");
    expect(other.code).toBe(550);
    expect(other.text).toBe("5.7.1 Partners only");
    // Out of the rule's scope.
    expect((await rcpt("a@elsewhere.example", "support@acme.test")).code).toBe(250);
  });

  test("a CIDR rule on the client address (the test client connects from 127.0.0.1)", async () => {
    await removeAll();
    await rule({ match: { client_ip: "127.0.0.0/8" }, action: "reject", reason: "Not from loopback" });
    expect((await rcpt("a@b.example", "sales@acme.test")).text).toBe("5.7.1 Not from loopback");
    await removeAll();
    await rule({ match: { client_ip: "203.0.113.0/24" }, action: "reject" });
    expect((await rcpt("a@b.example", "sales@acme.test")).code).toBe(250);
  });

  test("quarantine: stored, no webhook, listed only with ?quarantined=true; released → announced", async () => {
    await removeAll();
    await rule({ match: { sender: "*@suspicious.example" }, action: "quarantine" });
    const before = receiver.received.length;
    expect((await rcpt("a@suspicious.example", "sales@acme.test", "held")).code).toBe(250);
    await rcpt("a@fine.example", "sales@acme.test", "not held");
    await waitFor(() => (receiver.received.length > before ? true : undefined));
    await Bun.sleep(200);
    const subjects = () => receiver.received.slice(before).map((hook) => JSON.parse(hook.body).data.subject);
    expect(subjects()).toEqual(["not held"]);
    const list = async (query: string) =>
      (
        (await (await omni.api(`/v1/mailboxes/${sales}/messages${query}`, acme.apiKey)).json()) as {
          data: Array<{ id: string; subject: string; quarantined: boolean }>;
        }
      ).data;
    expect((await list("")).some((message) => message.subject === "held")).toBe(false);
    const held = await list("?quarantined=true");
    expect(held.map((message) => [message.subject, message.quarantined])).toEqual([["held", true]]);
    const events = async () =>
      (
        (await (await omni.api("/v1/events?types=message.received&limit=100", acme.apiKey)).json()) as {
          data: Array<{ data: { subject: string } }>;
        }
      ).data.map((event) => event.data.subject);
    expect(await events()).not.toContain("held");

    const released = await post(`/v1/messages/${held[0]?.id}/release`, {});
    expect(released.status).toBe(200);
    expect(((await released.json()) as { quarantined: boolean }).quarantined).toBe(false);
    await waitFor(() => (subjects().includes("held") ? true : undefined));
    expect(await events()).toContain("held");
    expect((await list("")).some((message) => message.subject === "held")).toBe(true);
    // Twice: 409, and no second announcement.
    expect((await post(`/v1/messages/${held[0]?.id}/release`, {})).status).toBe(409);
    // Another tenant: 404.
    expect((await post(`/v1/messages/${held[0]?.id}/release`, {}, globex)).status).toBe(404);
  });

  test("POST /v1/rules/test agrees with what SMTP answers, for a table of inputs", async () => {
    await removeAll();
    await rule({ priority: 1, match: { sender: "boss@partner.example" }, action: "accept" });
    await rule({ priority: 2, match: { sender_domain: "partner.example" }, action: "quarantine" });
    await rule({
      priority: 3,
      match: { rcpt: "*@acme.test", client_ip: "127.0.0.1" },
      action: "reject",
      reason: "Closed",
    });
    const cases: Array<[string, string]> = [
      ["boss@partner.example", "sales@acme.test"],
      ["intern@partner.example", "support@acme.test"],
      ["someone@else.example", "sales+tag@acme.test"],
      ["someone@else.example", "nobody@acme.test"],
      ["", "sales@acme.test"],
    ];
    for (const [mailFrom, to] of cases) {
      const smtp = await rcpt(mailFrom, to);
      const test = (await (
        await post("/v1/rules/test", { mail_from: mailFrom, rcpt_to: to, client_ip: "127.0.0.1" })
      ).json()) as {
        accepted: boolean;
        reply: string;
      };
      const expected = smtp.code === 250 ? "250 2.1.5 Accepted" : `${smtp.code} ${smtp.text}`;
      expect({ mailFrom, to, reply: test.reply }).toEqual({ mailFrom, to, reply: expected });
      expect(test.accepted).toBe(smtp.code === 250);
    }
    // Another tenant's domain is not for asking about.
    const foreign = await post("/v1/rules/test", { mail_from: "a@b.example", rcpt_to: "inbox@globex.test" });
    expect(foreign.status).toBe(422);
  });

  test("bad rules are refused naming the field; another tenant's rule is 404", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ action: "reject", match: { client_ip: "300.1.1.1/8" } }, "body.match.client_ip"],
      [{ action: "reject", match: { sender: "not an address" } }, "body.match.sender"],
      [{ action: "reject", reason: "two\nlines" }, "body.reason"],
      [
        { action: "reject", scope: { mailbox_id: globex.mailboxes["inbox@globex.test"] } },
        "body.scope.mailbox_id",
      ],
      [{ action: "explode" }, "body.action"],
    ];
    for (const [body, location] of cases) {
      const response = await post("/v1/rules", body);
      expect({ location, status: [400, 422].includes(response.status) }).toEqual({ location, status: true });
      const problem = (await response.json()) as { errors: Array<{ location: string }> };
      expect(problem.errors.map((error) => error.location)).toContain(location);
    }
    const mine = await rule({ action: "accept" });
    const patched = await omni.api(`/v1/rules/${mine.id}`, acme.apiKey, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ priority: 7, reason: "Changed", match: { client_ip: "2001:db8::1/32" } }),
    });
    expect(await patched.json()).toMatchObject({
      id: mine.id,
      priority: 7,
      action: "accept",
      reason: "Changed",
      match: { client_ip: "2001:db8::/32", sender: null },
    });
    expect((await omni.api(`/v1/rules/${mine.id}`, globex.apiKey)).status).toBe(404);
    expect((await omni.api(`/v1/rules/${mine.id}`, globex.apiKey, { method: "DELETE" })).status).toBe(404);
  });
});
