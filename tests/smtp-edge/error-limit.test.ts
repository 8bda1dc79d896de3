import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail } from "../helpers/harness";
import { openGreetedSmtp, type RawSmtp } from "../helpers/smtp-client";

// Error limits per session (Postfix smtpd_soft_error_limit / smtpd_hard_error_limit), over raw sockets:
// past the soft limit every reply waits a little longer, past the hard limit the session ends with 421 4.7.0.
const DELAY_MS = 100;

async function greeted(port: number): Promise<RawSmtp> {
  const smtp = await openGreetedSmtp(port);
  expect((await smtp.command("EHLO client.test")).code).toBe(250);
  return smtp;
}

async function timed(smtp: RawSmtp, line: string) {
  const started = performance.now();
  const reply = await smtp.command(line);
  return { line: reply.lines[0] ?? "", ms: performance.now() - started };
}

function rejectedCount(omni: OmniMail, reason: string): number {
  const line = omni.metrics
    .renderPrometheus()
    .split("\n")
    .find((entry) => entry.startsWith(`omnimail_messages_rejected_total{reason="${reason}",ingress="smtp"}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

describe("recipient harvesting (defaults: soft limit 10, hard limit 20)", () => {
  let omni: OmniMail;
  beforeAll(async () => {
    omni = await startOmniMail({ smtpLimits: { errorDelayMs: DELAY_MS, maxConnectionsPerIp: 0 } });
    await omni.addTenant("acme.test", ["alice"]);
  });
  afterAll(() => omni.stop());

  test("30 wrong RCPTs: 10 answered at once, 10 delayed longer and longer, then 421 4.7.0 and the session ends", async () => {
    const harvester = await greeted(omni.smtpPort);
    expect((await harvester.command("MAIL FROM:<probe@example.org>")).code).toBe(250);
    const replies: Array<{ line: string; ms: number }> = [];
    let other: Promise<number> | undefined;
    for (let i = 1; i <= 30; i++) {
      // While the harvester is being slowed down, another client is served as usual.
      if (i === 15) other = serveAnother(omni.smtpPort);
      const reply = await timed(harvester, `RCPT TO:<guess${i}@acme.test>`).catch(() => null);
      if (!reply) break;
      replies.push(reply);
      if (reply.line.startsWith("421")) break;
    }
    // RFC 5321 §4.2.3: 550 for each unknown mailbox; the first 10 errors cost nothing extra.
    expect(replies.slice(0, 20).every((reply) => /^550 5\.1\.1 /.test(reply.line))).toBe(true);
    const fast = replies.slice(0, 10).reduce((sum, reply) => sum + reply.ms, 0);
    expect(fast).toBeLessThan(10 * DELAY_MS);
    // Errors 11-20: the k-th past the soft limit waits min(k, 5) × the delay.
    for (const [index, reply] of replies.slice(10, 20).entries()) {
      expect(reply.ms).toBeGreaterThanOrEqual(Math.min(index + 1, 5) * DELAY_MS - 5);
    }
    // RFC 5321 §3.8: the server closes only after a 421 reply to a command.
    expect(replies).toHaveLength(21);
    expect(replies[20]?.line).toMatch(/^421 4\.7\.0 .*too many errors/i);
    await harvester.closed;
    expect(rejectedCount(omni, "too_many_errors")).toBe(1);
    // The other session was answered at normal speed while the harvester waited.
    expect(await other).toBeLessThan(1000);
    // And the server still serves everyone.
    expect(await serveAnother(omni.smtpPort)).toBeLessThan(1000);
  }, 30_000);
});

/** A normal client: greeting, EHLO, MAIL, RCPT to a real mailbox. Resolves with how long it took. */
async function serveAnother(port: number): Promise<number> {
  const started = performance.now();
  const smtp = await greeted(port);
  expect((await smtp.command("MAIL FROM:<friend@example.org>")).code).toBe(250);
  expect((await smtp.command("RCPT TO:<alice@acme.test>")).lines[0]).toMatch(/^250 /);
  smtp.close();
  return performance.now() - started;
}

describe("what counts as an error (soft limit 2, hard limit 4)", () => {
  let omni: OmniMail;
  beforeAll(async () => {
    omni = await startOmniMail({
      smtpLimits: { softErrorLimit: 2, hardErrorLimit: 4, errorDelayMs: 20, maxConnectionsPerIp: 0 },
    });
    await omni.addTenant("acme.test", ["alice"]);
  });
  afterAll(() => omni.stop());

  const errorCases: Array<[string, string, RegExp]> = [
    ["RCPT before MAIL (RFC 5321 §4.1.4)", "RCPT TO:<alice@acme.test>", /^503 /],
    ["a command nobody knows (RFC 5321 §4.2.4)", "FROB", /^500 /],
    ["MAIL with a broken path (RFC 5321 §4.1.2)", "MAIL FROM:<no-closing-bracket", /^501 /],
    ["DATA without recipients (RFC 5321 §4.1.4)", "DATA", /^503 /],
  ];
  test("bad commands count: after 4 of them the next command gets 421 4.7.0", async () => {
    const smtp = await greeted(omni.smtpPort);
    for (const [name, line, expected] of errorCases) {
      expect({ name, reply: (await smtp.command(line)).lines[0] }).toEqual({
        name,
        reply: expect.stringMatching(expected),
      });
    }
    expect((await smtp.command("NOOP")).lines[0]).toMatch(/^421 4\.7\.0 /);
    await smtp.closed;
  });

  test("relay attempts count too: 554 5.7.1 four times, then 421 4.7.0", async () => {
    const smtp = await greeted(omni.smtpPort);
    await smtp.command("MAIL FROM:<a@example.org>");
    for (let i = 0; i < 4; i++) {
      expect((await smtp.command(`RCPT TO:<x${i}@elsewhere.example>`)).lines[0]).toMatch(/^554 5\.7\.1 /);
    }
    expect((await smtp.command("RCPT TO:<alice@acme.test>")).lines[0]).toMatch(/^421 4\.7\.0 /);
    await smtp.closed;
  });

  test("452 for recipients over 100 is not an error: a big legitimate mailing is not cut", async () => {
    const smtp = await greeted(omni.smtpPort);
    await smtp.command("MAIL FROM:<list@example.org>");
    const codes: number[] = [];
    for (let i = 0; i < 105; i++) codes.push((await smtp.command(`RCPT TO:<alice+${i}@acme.test>`)).code);
    expect(codes.filter((code) => code === 452)).toHaveLength(5);
    expect((await smtp.command("DATA")).code).toBe(354);
    smtp.write("Subject: list\r\n\r\nhello\r\n.\r\n");
    expect((await smtp.reply()).lines[0]).toMatch(/^250 2\.6\.0 /);
    smtp.close();
  });

  test("a delivered message resets the count (Postfix: errors 'without delivering mail')", async () => {
    const smtp = await greeted(omni.smtpPort);
    await smtp.command("MAIL FROM:<a@example.org>");
    for (let i = 0; i < 3; i++) expect((await smtp.command(`RCPT TO:<n${i}@acme.test>`)).code).toBe(550);
    expect((await smtp.command("RCPT TO:<alice@acme.test>")).code).toBe(250);
    expect((await smtp.command("DATA")).code).toBe(354);
    smtp.write("Subject: ok\r\n\r\nfine\r\n.\r\n");
    expect((await smtp.reply()).lines[0]).toMatch(/^250 2\.6\.0 /);
    await smtp.command("MAIL FROM:<a@example.org>");
    for (let i = 0; i < 3; i++) expect((await smtp.command(`RCPT TO:<m${i}@acme.test>`)).code).toBe(550);
    expect((await smtp.command("RCPT TO:<alice@acme.test>")).code).toBe(250);
    smtp.close();
  });

  test("past 100 NOOP/RSET/VRFY each one counts as an error (Postfix smtpd_junk_command_limit)", async () => {
    const smtp = await greeted(omni.smtpPort);
    const replies: string[] = [];
    for (let i = 0; i < 110; i++) {
      const reply = (await smtp.command("NOOP")).lines[0] ?? "";
      replies.push(reply);
      if (reply.startsWith("421")) break;
    }
    expect(replies.slice(0, 104).every((line) => line.startsWith("250"))).toBe(true);
    expect(replies[104]).toMatch(/^421 4\.7\.0 /);
    await smtp.closed;
  });
});

describe("a delay longer than the idle timeout", () => {
  test("the client waiting for a delayed reply is not timed out: the reply comes, and the session goes on", async () => {
    const omni = await startOmniMail({
      smtpLimits: { softErrorLimit: 1, errorDelayMs: 1500, socketTimeoutMs: 1000, maxConnectionsPerIp: 0 },
    });
    try {
      await omni.addTenant("acme.test", ["alice"]);
      const smtp = await greeted(omni.smtpPort);
      await smtp.command("MAIL FROM:<a@example.org>");
      expect((await timed(smtp, "RCPT TO:<nobody@acme.test>")).line).toMatch(/^550 /);
      const delayed = await timed(smtp, "RCPT TO:<nobody2@acme.test>");
      expect(delayed.line).toMatch(/^550 5\.1\.1 /);
      expect(delayed.ms).toBeGreaterThanOrEqual(1490);
      expect((await smtp.command("RCPT TO:<alice@acme.test>")).lines[0]).toMatch(/^250 /);
      smtp.close();
    } finally {
      await omni.stop();
    }
  }, 15_000);
});

describe("under stress (over 80 % of SMTP_MAX_CLIENTS in use)", () => {
  let omni: OmniMail;
  beforeAll(async () => {
    omni = await startOmniMail({
      smtpLimits: {
        maxClients: 10,
        maxConnectionsPerIp: 0,
        softErrorLimit: 3,
        hardErrorLimit: 20,
        errorDelayMs: 1000,
        stressPercent: 80,
        stressIdleTimeoutMs: 30_000,
      },
    });
    await omni.addTenant("acme.test", ["alice"]);
  });
  afterAll(() => omni.stop());

  test("errors are not delayed (a delay would hold a slot): the session ends at the soft limit", async () => {
    const holders = await Promise.all(Array.from({ length: 8 }, () => greeted(omni.smtpPort)));
    const harvester = await greeted(omni.smtpPort);
    await harvester.command("MAIL FROM:<probe@example.org>");
    const started = performance.now();
    const replies: string[] = [];
    for (let i = 0; i < 10; i++) {
      const reply = (await harvester.command(`RCPT TO:<guess${i}@acme.test>`)).lines[0] ?? "";
      replies.push(reply);
      if (reply.startsWith("421")) break;
    }
    expect(replies).toHaveLength(4);
    expect(replies.slice(0, 3).every((line) => line.startsWith("550"))).toBe(true);
    expect(replies[3]).toMatch(/^421 4\.7\.0 /);
    expect(performance.now() - started).toBeLessThan(1000);
    await harvester.closed;
    for (const smtp of holders) smtp.close();
  });
});
