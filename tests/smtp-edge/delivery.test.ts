import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import PostalMime from "postal-mime";
import { sha256Hex } from "../../core/crypto";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";
import { sendMail, stripTraceHeader } from "../helpers/send";
import { openRawSmtp } from "../helpers/smtp-client";

let omni: OmniMail;
let acme: TestTenant;
let globex: TestTenant;

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["alice", "bob", "*"]);
  globex = await omni.addTenant("globex.test", ["carol"]);
});
afterAll(() => omni.stop());

async function listMessages(tenant: TestTenant, address: string) {
  const mailboxId = tenant.mailboxes[address];
  const response = await omni.api(`/v1/mailboxes/${mailboxId}/messages?limit=100`, tenant.apiKey);
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: Array<{ id: string; subject: string }> }).data;
}

async function getJson<T>(tenant: TestTenant, path: string): Promise<T> {
  const response = await omni.api(path, tenant.apiKey);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

describe("delivery", () => {
  test("one message to mailboxes of two tenants is stored once per mailbox, each visible only to its tenant", async () => {
    const subject = `cross-tenant ${crypto.randomUUID()}`;
    await sendMail(omni.smtpPort, {
      from: "sender@example.org",
      to: ["alice@acme.test", "bob@acme.test", "carol@globex.test"],
      subject,
      text: "hello both",
    });
    const alice = (await listMessages(acme, "alice@acme.test")).filter((m) => m.subject === subject);
    const bob = (await listMessages(acme, "bob@acme.test")).filter((m) => m.subject === subject);
    const carol = (await listMessages(globex, "carol@globex.test")).filter((m) => m.subject === subject);
    expect([alice.length, bob.length, carol.length]).toEqual([1, 1, 1]);
    const aliceId = alice[0]?.id ?? "";
    const carolId = carol[0]?.id ?? "";
    expect(new Set([aliceId, bob[0]?.id, carolId]).size).toBe(3);

    // Each copy's envelope names only its own recipients (no Bcc leak across mailboxes or tenants).
    const carolCopy = await getJson<{ envelope: { rcpt_to: string[] } }>(globex, `/v1/messages/${carolId}`);
    expect(carolCopy.envelope.rcpt_to).toEqual(["carol@globex.test"]);
    // Another tenant's id answers 404, for every message route.
    for (const path of [`/v1/messages/${aliceId}`, `/v1/messages/${aliceId}/raw`]) {
      const response = await omni.api(path, globex.apiKey);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
    const mailboxResponse = await omni.api(
      `/v1/mailboxes/${acme.mailboxes["alice@acme.test"]}/messages`,
      globex.apiKey,
    );
    expect(mailboxResponse.status).toBe(404);
  });

  test("two recipients resolving to the same mailbox make one copy that lists both", async () => {
    const subject = `catch-all twice ${crypto.randomUUID()}`;
    await sendMail(omni.smtpPort, {
      from: "s@example.org",
      to: ["x1@acme.test", "x2@acme.test"],
      subject,
      text: ".",
    });
    const copies = (await listMessages(acme, "*@acme.test")).filter((m) => m.subject === subject);
    expect(copies.length).toBe(1);
    const copy = await getJson<{ envelope: { rcpt_to: string[] } }>(acme, `/v1/messages/${copies[0]?.id}`);
    expect(copy.envelope.rcpt_to.sort()).toEqual(["x1@acme.test", "x2@acme.test"]);
  });

  test("user+tag@ lands in user@ and keeps the tag on the envelope", async () => {
    const subject = `tagged ${crypto.randomUUID()}`;
    await sendMail(omni.smtpPort, {
      from: "s@example.org",
      to: "alice+receipts@acme.test",
      subject,
      text: ".",
    });
    const [message] = (await listMessages(acme, "alice@acme.test")).filter((m) => m.subject === subject);
    const full = await getJson<{ envelope: { rcpt_to: string[] } }>(acme, `/v1/messages/${message?.id}`);
    expect(full.envelope.rcpt_to).toEqual(["alice+receipts@acme.test"]);
  });

  test("raw round trip is byte-exact after our Received: header; attachments come back with exact bytes and sha256", async () => {
    const binary = crypto.getRandomValues(new Uint8Array(70_000));
    const subject = `bytes ${crypto.randomUUID()}`;
    const smtp = await openRawSmtp(omni.smtpPort);
    await smtp.reply();
    await smtp.command("EHLO client.test");
    await smtp.command("MAIL FROM:<raw@example.org>");
    await smtp.command("RCPT TO:<bob@acme.test>");
    expect((await smtp.command("DATA")).code).toBe(354);
    const base64 = Buffer.from(binary).toString("base64").replace(/.{76}/g, "$&\r\n");
    const message = [
      "From: Raw Sender <raw@example.org>",
      "To: bob@acme.test",
      `Subject: ${subject}`,
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "..a line that starts with a dot (dot-stuffed on the wire)",
      "trailing spaces   ",
      "--b1",
      'Content-Type: application/octet-stream; name="blob.bin"',
      'Content-Disposition: attachment; filename="blob.bin"',
      "Content-Transfer-Encoding: base64",
      "",
      base64,
      "--b1--",
      "",
    ].join("\r\n");
    smtp.write(`${message}.\r\n`);
    const reply = await smtp.reply();
    expect(reply.code).toBe(250);
    smtp.close();
    const id = /queued as (msg_\w+)/.exec(reply.text)?.[1] ?? "";

    const raw = new Uint8Array(await (await omni.api(`/v1/messages/${id}/raw`, acme.apiKey)).arrayBuffer());
    const { header, rest } = stripTraceHeader(raw);
    // What the client meant after SMTP dot-unstuffing (RFC 5321 §4.5.2).
    const expected = Buffer.from(message.replace("\r\n..a line", "\r\n.a line"), "latin1");
    expect(Buffer.from(rest).equals(expected)).toBe(true);
    expect(header).toContain("by mx.test.localhost (OmniMail) with ESMTP id ");
    expect(header).toContain("for <bob@acme.test>");

    const full = await getJson<{
      attachments: Array<{ id: string; sha256: string; size: number; filename: string }>;
    }>(acme, `/v1/messages/${id}`);
    expect(full.attachments.length).toBe(1);
    const [attachment] = full.attachments;
    expect(attachment?.filename).toBe("blob.bin");
    expect(attachment?.size).toBe(binary.byteLength);
    expect(attachment?.sha256).toBe(await sha256Hex(binary));
    const download = await omni.api(`/v1/messages/${id}/attachments/${attachment?.id}`, acme.apiKey);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toStartWith("attachment;");
    expect(download.headers.get("x-content-type-options")).toBe("nosniff");
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(binary))).toBe(true);
    // The attachment of one tenant is not reachable with another tenant's key.
    expect((await omni.api(`/v1/messages/${id}/attachments/${attachment?.id}`, globex.apiKey)).status).toBe(
      404,
    );
  });

  test("MIME that postal-mime rejects is still accepted (250), stored raw with parse_error", async () => {
    // 150 nested multiparts: over the parser's nesting limit, which makes the parse fail.
    let body = "innermost\r\n";
    for (let depth = 0; depth < 150; depth++) {
      body = `Content-Type: multipart/mixed; boundary="d${depth}"\r\n\r\n--d${depth}\r\n${body}--d${depth}--\r\n`;
    }
    const message = `From: deep@example.org\r\nTo: alice@acme.test\r\nSubject: too deep\r\nMIME-Version: 1.0\r\n${body}`;
    let parserRejects = false;
    try {
      await PostalMime.parse(message, { maxNestingDepth: 100 });
    } catch {
      parserRejects = true;
    }
    expect(parserRejects).toBe(true);

    const response = await sendMail(omni.smtpPort, {
      envelope: { from: "deep@example.org", to: ["alice@acme.test"] },
      raw: message,
    });
    expect(response).toMatch(/^250 /);
    const id = /queued as (msg_\w+)/.exec(response)?.[1] ?? "";
    const full = await getJson<{ parse_error: string | null; subject: string | null }>(
      acme,
      `/v1/messages/${id}`,
    );
    expect(full.parse_error).toBeString();
    expect(full.parse_error?.length).toBeGreaterThan(0);
    const raw = new Uint8Array(await (await omni.api(`/v1/messages/${id}/raw`, acme.apiKey)).arrayBuffer());
    expect(Buffer.from(stripTraceHeader(raw).rest).toString("latin1")).toBe(message);
  });
});
