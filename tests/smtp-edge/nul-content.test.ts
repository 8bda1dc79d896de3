import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";
import { stripTraceHeader } from "../helpers/send";
import { openRawSmtp } from "../helpers/smtp-client";

/**
 * Issue 13, item 11: a NUL in the subject or the text cut the value in the API
 * (SQLite text ends at a NUL) while the search index held the whole string, so
 * a message shown as `nul test` was found by `q=hidden`. Now every string taken
 * from the message has NUL replaced with U+FFFD, the same in the JSON, the
 * search index and the webhook; the stored raw bytes keep the NUL.
 */
const REPLACEMENT = "\uFFFD";
const RAW = Buffer.from(
  [
    'From: "Ann\0Other" <ann@example.org>',
    "To: a@acme.test",
    "Subject: nul test\0hidden words",
    "X-Note: before\0after",
    "Content-Type: multipart/mixed; boundary=b",
    "",
    "--b",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "visible\0secretword and the rest of the text",
    "--b",
    "Content-Type: application/octet-stream",
    'Content-Disposition: attachment; filename="re\0port.bin"',
    "",
    "xyz",
    "--b--",
    "",
  ].join("\r\n"),
  "utf8",
);

type Message = {
  id: string;
  subject: string | null;
  from: { address: string; name: string } | null;
  text: string | null;
  headers: Array<{ name: string; value: string }>;
  attachments: Array<{ filename: string | null }>;
};

let omni: OmniMail;
let tenant: TestTenant;
let id: string;
let mailboxId: string;

beforeAll(async () => {
  omni = await startOmniMail();
  tenant = await omni.addTenant("acme.test", ["*"]);
  mailboxId = tenant.mailboxes["*@acme.test"] as string;
  // A raw socket: the NUL bytes go on the wire as they are.
  const smtp = await openRawSmtp(omni.smtpPort);
  await smtp.reply();
  await smtp.command("EHLO client.test.localhost");
  await smtp.command("MAIL FROM:<ann@example.org>");
  await smtp.command("RCPT TO:<a@acme.test>");
  expect((await smtp.command("DATA")).code).toBe(354);
  smtp.write(RAW);
  const answer = await smtp.command(".");
  smtp.close();
  expect(answer.code).toBe(250);
  id = /queued as (msg_\w+)/.exec(answer.text)?.[1] as string;
});
afterAll(() => omni.stop());

async function getMessage(): Promise<Message> {
  const response = await omni.api(`/v1/messages/${id}`, tenant.apiKey);
  expect(response.status).toBe(200);
  return (await response.json()) as Message;
}

async function search(q: string): Promise<Array<{ id: string; subject: string | null }>> {
  const response = await omni.api(
    `/v1/mailboxes/${mailboxId}/messages?q=${encodeURIComponent(q)}`,
    tenant.apiKey,
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: Array<{ id: string; subject: string | null }> }).data;
}

describe("NUL in a message", () => {
  test("the API shows U+FFFD where the NUL was, and the whole rest of each value", async () => {
    const message = await getMessage();
    expect(message.subject).toBe(`nul test${REPLACEMENT}hidden words`);
    expect(message.text).toBe(`visible${REPLACEMENT}secretword and the rest of the text\n`);
    // postal-mime's address parser drops a NUL itself: nothing is cut, and nothing is left to replace.
    expect(message.from).toEqual({ address: "ann@example.org", name: "AnnOther" });
    expect(message.headers.find((header) => header.name === "X-Note")?.value).toBe(
      `before${REPLACEMENT}after`,
    );
    expect(message.attachments.map((attachment) => attachment.filename)).toEqual([
      `re${REPLACEMENT}port.bin`,
    ]);
    expect(JSON.stringify(message)).not.toContain("\\u0000");
  });

  test("q= finds a word after the NUL, and the JSON shows that word", async () => {
    for (const word of ["hidden", "secretword"]) {
      const found = await search(word);
      expect(found.map((summary) => summary.id)).toEqual([id]);
    }
    expect((await search("hidden"))[0]?.subject).toContain("hidden");
    expect((await getMessage()).text).toContain("secretword");
  });

  test("the stored bytes keep the NUL as sent", async () => {
    const response = await omni.api(`/v1/messages/${id}/raw`, tenant.apiKey);
    const stored = Buffer.from(stripTraceHeader(new Uint8Array(await response.arrayBuffer())).rest);
    expect(stored.equals(RAW)).toBe(true);
  });
});
