import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";
import { stripTraceHeader } from "../helpers/send";
import { openRawSmtp } from "../helpers/smtp-client";

// Non-ASCII envelope addresses (RFC 6531), over a raw socket: the bytes on the wire are the point.
let omni: OmniMail;
let acme: TestTenant;

beforeAll(async () => {
  omni = await startOmniMail();
  // A mailbox with a non-ASCII local part, made by the core verbs as the API and CLI make it.
  acme = await omni.addTenant("acme.test", ["jörg", "alice"]);
});
afterAll(() => omni.stop());

const utf8 = (line: string) => Buffer.from(`${line}\r\n`, "utf8");
// The same text as Latin-1 bytes: 8-bit, and not UTF-8 (ö is the lone byte 0xF6).
const latin1 = (line: string) => Buffer.from(`${line}\r\n`, "latin1");

async function session() {
  const smtp = await openRawSmtp(omni.smtpPort);
  expect((await smtp.reply()).code).toBe(220);
  const ehlo = await smtp.command("EHLO client.test");
  expect(ehlo.code).toBe(250);
  return { smtp, ehlo };
}

async function send(smtp: Awaited<ReturnType<typeof session>>["smtp"], bytes: Buffer) {
  smtp.write(bytes);
  return (await smtp.reply()).lines.join("\n");
}

describe("8-bit envelope addresses need SMTPUTF8", () => {
  test("EHLO advertises SMTPUTF8 (RFC 6531 §3.1)", async () => {
    const { smtp, ehlo } = await session();
    expect(ehlo.lines.some((line) => /^250[- ]SMTPUTF8$/.test(line))).toBe(true);
    smtp.close();
  });

  const mailCases: Array<[string, Buffer, RegExp]> = [
    // RFC 6531 §3.4: a client MUST give SMTPUTF8 when the envelope needs it; §3.5: else 553, X.6.7.
    ["UTF-8 sender without SMTPUTF8", utf8("MAIL FROM:<pelé@example.org>"), /^553 5\.6\.7 /],
    [
      "Latin-1 (8-bit, not UTF-8) sender without SMTPUTF8",
      latin1("MAIL FROM:<pelé@example.org>"),
      /^553 5\.6\.7 /,
    ],
    ["UTF-8 sender with SMTPUTF8", utf8("MAIL FROM:<pelé@example.org> SMTPUTF8"), /^250 /],
    // RFC 6531 §3.3: with SMTPUTF8 the address is UTF-8; other 8-bit bytes are not an address.
    ["Latin-1 sender even with SMTPUTF8", latin1("MAIL FROM:<pelé@example.org> SMTPUTF8"), /^553 5\.6\.7 /],
    ["ASCII sender without SMTPUTF8", utf8("MAIL FROM:<pele@example.org>"), /^250 /],
    // An IDN in its ASCII (A-label) form is ASCII on the wire: no SMTPUTF8 needed (RFC 5890).
    ["A-label domain without SMTPUTF8", utf8("MAIL FROM:<a@xn--bcher-kva.example>"), /^250 /],
    ["U-label domain without SMTPUTF8", utf8("MAIL FROM:<a@bücher.example>"), /^553 5\.6\.7 /],
  ];
  for (const [name, bytes, expected] of mailCases) {
    test(`MAIL FROM: ${name}`, async () => {
      const { smtp } = await session();
      expect(await send(smtp, bytes)).toMatch(expected);
      smtp.close();
    });
  }

  const rcptCases: Array<[string, Buffer, Buffer, RegExp]> = [
    // RFC 6531 §3.5: the transaction's MAIL had no SMTPUTF8, so a UTF-8 recipient is refused 553 5.6.7.
    [
      "UTF-8 recipient, MAIL without SMTPUTF8",
      utf8("MAIL FROM:<a@example.org>"),
      utf8("RCPT TO:<jörg@acme.test>"),
      /^553 5\.6\.7 /,
    ],
    [
      "Latin-1 recipient, MAIL without SMTPUTF8",
      utf8("MAIL FROM:<a@example.org>"),
      latin1("RCPT TO:<jörg@acme.test>"),
      /^553 5\.6\.7 /,
    ],
    [
      "UTF-8 recipient, MAIL with SMTPUTF8",
      utf8("MAIL FROM:<a@example.org> SMTPUTF8"),
      utf8("RCPT TO:<jörg@acme.test>"),
      /^250 /,
    ],
    [
      "UTF-8 recipient in another case, MAIL with SMTPUTF8",
      utf8("MAIL FROM:<a@example.org> SMTPUTF8"),
      utf8("RCPT TO:<JÖRG@acme.test>"),
      /^250 /,
    ],
    [
      "Latin-1 recipient, MAIL with SMTPUTF8",
      utf8("MAIL FROM:<a@example.org> SMTPUTF8"),
      latin1("RCPT TO:<jörg@acme.test>"),
      /^553 5\.6\.7 /,
    ],
    [
      "ASCII recipient, MAIL with SMTPUTF8",
      utf8("MAIL FROM:<a@example.org> SMTPUTF8"),
      utf8("RCPT TO:<alice@acme.test>"),
      /^250 /,
    ],
  ];
  for (const [name, mail, rcpt, expected] of rcptCases) {
    test(`RCPT TO: ${name}`, async () => {
      const { smtp } = await session();
      expect(await send(smtp, mail)).toMatch(/^250 /);
      expect(await send(smtp, rcpt)).toMatch(expected);
      smtp.close();
    });
  }

  test("a refused SMTPUTF8 MAIL does not leave SMTPUTF8 on for the next MAIL", async () => {
    const { smtp } = await session();
    expect(await send(smtp, latin1("MAIL FROM:<pelé@example.org> SMTPUTF8"))).toMatch(/^553 5\.6\.7 /);
    expect(await send(smtp, utf8("MAIL FROM:<a@example.org>"))).toMatch(/^250 /);
    expect(await send(smtp, utf8("RCPT TO:<jörg@acme.test>"))).toMatch(/^553 5\.6\.7 /);
    smtp.close();
  });
});

describe("an SMTPUTF8 local part end to end", () => {
  test("stored for jörg@acme.test with the envelope as sent, a UTF8SMTP trace header, and readable by the API", async () => {
    const { smtp } = await session();
    expect(await send(smtp, utf8("MAIL FROM:<pelé@example.org> SMTPUTF8"))).toMatch(/^250 /);
    expect(await send(smtp, utf8("RCPT TO:<jörg@acme.test>"))).toMatch(/^250 /);
    expect((await smtp.command("DATA")).code).toBe(354);
    const body =
      "From: Pelé <pelé@example.org>\r\nTo: Jörg <jörg@acme.test>\r\nSubject: Grüße\r\n\r\nHallo Jörg\r\n";
    smtp.write(Buffer.from(`${body}.\r\n`, "utf8"));
    const reply = await smtp.reply();
    expect(reply.lines[0]).toMatch(/^250 2\.6\.0 /);
    smtp.close();
    const id = /queued as (msg_\w+)/.exec(reply.text)?.[1];
    const response = await omni.api(`/v1/messages/${id}`, acme.apiKey);
    expect(response.status).toBe(200);
    const message = (await response.json()) as {
      mailbox_id: string;
      envelope: { mail_from: string; rcpt_to: string[] };
      subject: string;
      from: { address: string };
    };
    expect(message.mailbox_id).toBe(acme.mailboxes["jörg@acme.test"] as string);
    expect(message.envelope.mail_from).toBe("pelé@example.org");
    expect(message.envelope.rcpt_to).toEqual(["jörg@acme.test"]);
    expect(message.subject).toBe("Grüße");
    expect(message.from.address).toBe("pelé@example.org");
    const raw = new Uint8Array(await (await omni.api(`/v1/messages/${id}/raw`, acme.apiKey)).arrayBuffer());
    const { header, rest } = stripTraceHeader(raw);
    // RFC 6531 §4.3: the "with" clause says UTF8SMTP; RFC 6532 lets the header carry the UTF-8 address.
    const decoded = Buffer.from(header, "latin1").toString("utf8");
    expect(decoded).toContain(" with UTF8SMTP id ");
    expect(decoded).toContain("for <jörg@acme.test>");
    expect(Buffer.from(rest).toString("utf8")).toBe(body);
  });
});
