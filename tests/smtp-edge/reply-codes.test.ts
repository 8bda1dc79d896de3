import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail } from "../helpers/harness";
import { openRawSmtp } from "../helpers/smtp-client";

// Reply codes of DESIGN.md "SMTP conduct" that the foundation owns, over a raw socket.
let omni: OmniMail;
const LIMIT = 64 * 1024;

beforeAll(async () => {
  omni = await startOmniMail({ env: { OMNIMAIL_MAX_MESSAGE_BYTES: String(LIMIT) } });
  await omni.addTenant("acme.test", ["alice"]);
  await omni.addTenant("catchall.test", ["*"]);
});
afterAll(() => omni.stop());

async function session() {
  const smtp = await openRawSmtp(omni.smtpPort);
  const greeting = await smtp.reply();
  expect(greeting.code).toBe(220);
  const ehlo = await smtp.command("EHLO client.test");
  expect(ehlo.code).toBe(250);
  return { smtp, ehlo };
}

describe("SMTP reply codes", () => {
  test("EHLO advertises SIZE, ENHANCEDSTATUSCODES and PIPELINING, and no AUTH on the inbound port", async () => {
    const { smtp, ehlo } = await session();
    expect(ehlo.lines.some((line) => line === `250-SIZE ${LIMIT}` || line === `250 SIZE ${LIMIT}`)).toBe(
      true,
    );
    expect(ehlo.lines.some((line) => line.includes("ENHANCEDSTATUSCODES"))).toBe(true);
    expect(ehlo.lines.some((line) => line.includes("PIPELINING"))).toBe(true);
    expect(ehlo.lines.some((line) => line.includes("AUTH"))).toBe(false);
    // No certificate configured: STARTTLS is neither offered nor accepted.
    expect(ehlo.lines.some((line) => line.includes("STARTTLS"))).toBe(false);
    smtp.close();
  });

  const rcptCases: Array<[string, string, RegExp]> = [
    // RFC 5321 §3.6.2: we are not a relay for domains nobody hosts.
    ["domain not hosted by any tenant", "someone@elsewhere.example", /^554 5\.7\.1 /],
    ["hosted domain, unknown mailbox, no catch-all", "nobody@acme.test", /^550 5\.1\.1 /],
    ["exact mailbox", "alice@acme.test", /^250 2\.1\.5 /],
    ["mailbox matched case-insensitively, domain too", "ALICE@ACME.Test", /^250 2\.1\.5 /],
    ["subaddress user+tag delivers to user", "alice+invoices@acme.test", /^250 2\.1\.5 /],
    ["catch-all takes any local part", "whatever.here@catchall.test", /^250 2\.1\.5 /],
  ];
  for (const [name, address, expected] of rcptCases) {
    test(`RCPT TO: ${name}`, async () => {
      const { smtp } = await session();
      expect((await smtp.command("MAIL FROM:<sender@example.org>")).code).toBe(250);
      const reply = await smtp.command(`RCPT TO:<${address}>`);
      expect(reply.lines.join("\n")).toMatch(expected);
      smtp.close();
    });
  }

  test("more than 100 recipients: 452 4.5.3 for each one over, the accepted ones are kept", async () => {
    const { smtp } = await session();
    await smtp.command("MAIL FROM:<sender@example.org>");
    const replies: string[] = [];
    for (let i = 0; i < 103; i++)
      replies.push((await smtp.command(`RCPT TO:<r${i}@catchall.test>`)).lines[0] ?? "");
    expect(replies.slice(0, 100).every((line) => line.startsWith("250 "))).toBe(true);
    expect(replies.slice(100)).toEqual([
      expect.stringMatching(/^452 4\.5\.3 /),
      expect.stringMatching(/^452 4\.5\.3 /),
      expect.stringMatching(/^452 4\.5\.3 /),
    ]);
    expect((await smtp.command("DATA")).code).toBe(354);
    smtp.write("Subject: many\r\n\r\nhello\r\n.\r\n");
    const done = await smtp.reply();
    expect(done.code).toBe(250);
    smtp.close();
  });

  test("declared SIZE over the limit: 552 5.3.4 at MAIL FROM", async () => {
    const { smtp } = await session();
    const reply = await smtp.command(`MAIL FROM:<sender@example.org> SIZE=${LIMIT + 1}`);
    expect(reply.lines[0]).toMatch(/^552 5\.3\.4 /);
    smtp.close();
  });

  test("undeclared DATA over the limit: drained, then 552 5.3.4, and the connection stays usable", async () => {
    const { smtp } = await session();
    await smtp.command("MAIL FROM:<sender@example.org>");
    await smtp.command("RCPT TO:<alice@acme.test>");
    expect((await smtp.command("DATA")).code).toBe(354);
    const line = `${"x".repeat(998)}\r\n`;
    smtp.write(`Subject: too big\r\n\r\n${line.repeat(Math.ceil((LIMIT * 2) / line.length))}.\r\n`);
    const reply = await smtp.reply();
    expect(reply.lines[0]).toMatch(/^552 5\.3\.4 /);
    // Same connection, next transaction goes through.
    expect((await smtp.command("MAIL FROM:<sender@example.org>")).code).toBe(250);
    expect((await smtp.command("RCPT TO:<alice@acme.test>")).code).toBe(250);
    expect((await smtp.command("DATA")).code).toBe(354);
    smtp.write("Subject: small\r\n\r\nfits\r\n.\r\n");
    expect((await smtp.reply()).lines[0]).toMatch(/^250 2\.6\.0 /);
    smtp.close();
  });

  test("DATA before any accepted recipient: 503 5.5.1", async () => {
    const { smtp } = await session();
    await smtp.command("MAIL FROM:<sender@example.org>");
    await smtp.command("RCPT TO:<nobody@acme.test>");
    expect((await smtp.command("DATA")).lines[0]).toMatch(/^503 5\.5\.1 /);
    smtp.close();
  });

  test("AUTH is refused on the inbound port", async () => {
    const { smtp } = await session();
    const reply = await smtp.command("AUTH PLAIN AGFsaWNlAHNlY3JldA==");
    expect(reply.code).toBeGreaterThanOrEqual(500);
    smtp.close();
  });

  test("the 250 after DATA names the stored message id", async () => {
    const { smtp } = await session();
    await smtp.command("MAIL FROM:<sender@example.org>");
    await smtp.command("RCPT TO:<alice@acme.test>");
    await smtp.command("DATA");
    smtp.write("Subject: id\r\n\r\nhello\r\n.\r\n");
    const reply = await smtp.reply();
    expect(reply.lines[0]).toMatch(/^250 2\.6\.0 Ok: queued as msg_[0-9A-Z]{26}$/);
    smtp.close();
  });
});

describe("metrics", () => {
  test("refusals are counted by reason on /metrics", async () => {
    const text = await (await fetch(`${omni.apiUrl}/metrics`)).text();
    const count = (reason: string) =>
      Number(
        new RegExp(`omnimail_messages_rejected_total\\{reason="${reason}",ingress="smtp"\\} (\\d+)`).exec(
          text,
        )?.[1] ?? 0,
      );
    // The RCPT table above refused one unhosted domain and one unknown mailbox, the DATA test one oversize message.
    expect(count("relay_denied")).toBeGreaterThanOrEqual(1);
    expect(count("mailbox_unknown")).toBeGreaterThanOrEqual(2);
    expect(count("too_big")).toBeGreaterThanOrEqual(1);
  });
});
