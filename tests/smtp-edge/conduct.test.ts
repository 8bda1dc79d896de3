import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";
import { stripTraceHeader } from "../helpers/send";
import { openRawSmtp } from "../helpers/smtp-client";

// Connection limits and end-of-data handling, over raw sockets (RFC 5321 and Postfix's conduct as reference).
let omni: OmniMail;
let tenant: TestTenant;

beforeAll(async () => {
  omni = await startOmniMail({
    smtpLimits: { maxClients: 6, maxConnectionsPerIp: 4, socketTimeoutMs: 1500 },
  });
  tenant = await omni.addTenant("acme.test", ["*"]);
});
afterAll(() => omni.stop());

async function greeted() {
  const smtp = await openRawSmtp(omni.smtpPort);
  return { smtp, greeting: await smtp.reply() };
}

describe("end of data is only <CRLF>.<CRLF> (SMTP smuggling)", () => {
  // RFC 5321 §4.1.1.4; CVE-2023-51764/51765/51766: a bare LF or CR around the dot must not end DATA.
  const smuggles: Array<[string, string]> = [
    ["<LF>.<LF>", "\n.\n"],
    ["<LF>.<CR><LF>", "\n.\r\n"],
    ["<CR><LF>.<LF>", "\r\n.\n"],
    ["<CR>.<CR>", "\r.\r"],
  ];
  for (const [name, sequence] of smuggles) {
    test(`${name} inside DATA ends nothing and injects no second message`, async () => {
      const { smtp } = await greeted();
      await smtp.command("EHLO client.test");
      await smtp.command("MAIL FROM:<a@example.org>");
      await smtp.command("RCPT TO:<victim@acme.test>");
      expect((await smtp.command("DATA")).code).toBe(354);
      const body = `Subject: smuggle ${name}\r\n\r\nfirst${sequence}MAIL FROM:<admin@acme.test>\r\nRCPT TO:<victim@acme.test>\r\nDATA\r\nSubject: injected\r\n\r\nspoofed\r\n`;
      smtp.write(`${body}.\r\n`);
      const reply = await smtp.reply();
      expect(reply.lines[0]).toMatch(/^250 2\.6\.0 /);
      // Nothing else answers: no second 250 from an injected transaction.
      await expect(smtp.reply(300)).rejects.toThrow();
      const id = /queued as (msg_\w+)/.exec(reply.text)?.[1];
      const raw = new Uint8Array(
        await (await omni.api(`/v1/messages/${id}/raw`, tenant.apiKey)).arrayBuffer(),
      );
      // Stored as sent: the bare line endings are kept (policy in README).
      expect(Buffer.from(stripTraceHeader(raw).rest).toString("latin1")).toBe(body);
      smtp.close();
    });
  }
});

describe("connection limits", () => {
  test("one address may hold at most 4 sessions: the 5th gets 421 4.3.2; a slot frees when one closes", async () => {
    const held = await Promise.all(Array.from({ length: 4 }, greeted));
    expect(held.every(({ greeting }) => greeting.code === 220)).toBe(true);
    const fifth = await greeted();
    expect(fifth.greeting.lines[0]).toMatch(/^421 4\.3\.2 /);
    await fifth.smtp.closed;
    held[0]?.smtp.close();
    await held[0]?.smtp.closed;
    const deadline = Date.now() + 2000;
    let again = await greeted();
    while (again.greeting.code !== 220 && Date.now() < deadline) {
      again.smtp.close();
      again = await greeted();
    }
    expect(again.greeting.code).toBe(220);
    for (const { smtp } of [...held, again]) smtp.close();
  });

  test("an idle session is closed with 421 4.4.2", async () => {
    const { smtp } = await greeted();
    await smtp.command("EHLO client.test");
    const reply = await smtp.reply(5000);
    expect(reply.lines[0]).toMatch(/^421 4\.4\.2 /);
    await smtp.closed;
  });

  test("a command line over 16 KiB closes the session with 421, and does not exhaust memory", async () => {
    const { smtp } = await greeted();
    const reply = await smtp.command(`NOOP ${"x".repeat(70_000)}`);
    expect(reply.lines[0]).toMatch(/^421 .*too long/i);
    await smtp.closed;
  });

  test("a client that talks before the greeting is refused (early-talker check)", async () => {
    const slow = await startOmniMail({ smtpLimits: { greetingDelayMs: 300, maxConnectionsPerIp: 0 } });
    try {
      const smtp = await openRawSmtp(slow.smtpPort);
      smtp.write("EHLO too.early\r\n");
      const reply = await smtp.reply();
      expect(reply.lines[0]).toMatch(/^421 .*talk too soon/i);
      smtp.close();
      // A client that waits gets its greeting.
      const patient = await openRawSmtp(slow.smtpPort);
      expect((await patient.reply()).code).toBe(220);
      patient.close();
    } finally {
      await slow.stop();
    }
  });

  test("maxClients: past the limit a new session gets 421 4.3.2", async () => {
    const small = await startOmniMail({ smtpLimits: { maxClients: 2, maxConnectionsPerIp: 0 } });
    try {
      const held = await Promise.all(
        [0, 1].map(async () => {
          const smtp = await openRawSmtp(small.smtpPort);
          expect((await smtp.reply()).code).toBe(220);
          return smtp;
        }),
      );
      const third = await openRawSmtp(small.smtpPort);
      expect((await third.reply()).lines[0]).toMatch(/^421 4\.3\.2 /);
      for (const smtp of [...held, third]) smtp.close();
    } finally {
      await small.stop();
    }
  });
});
