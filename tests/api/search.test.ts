import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";
import { sendMail } from "../helpers/send";

let omni: OmniMail;
let acme: TestTenant;
let inbox: string;

/** A message as raw bytes on the wire, so the header encodings are exactly these. */
function raw(subject: string, body: string, charset = "utf-8"): string {
  return [
    "From: Sender <sender@example.org>",
    "To: inbox@acme.test",
    `Subject: ${subject}`,
    "MIME-Version: 1.0",
    `Content-Type: text/plain; charset=${charset}`,
    "Content-Transfer-Encoding: 8bit",
    "",
    body,
    "",
  ].join("\r\n");
}

async function search(query: string): Promise<string[]> {
  const response = await omni.api(
    `/v1/mailboxes/${inbox}/messages?q=${encodeURIComponent(query)}`,
    acme.apiKey,
  );
  expect(response.status).toBe(200);
  const page = (await response.json()) as { data: Array<{ subject: string }> };
  return page.data.map((message) => message.subject);
}

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["inbox"]);
  inbox = acme.mailboxes["inbox@acme.test"] ?? "";
  const envelope = { from: "sender@example.org", to: "inbox@acme.test" };
  // RFC 2047 encoded words in two legacy charsets, with 8-bit bodies in the same charsets.
  await sendMail(omni.smtpPort, {
    envelope,
    raw: raw("=?ISO-8859-1?Q?Gr=FC=DFe_aus_M=FCnchen?=", "Wetterbericht und Oktoberfest", "iso-8859-1"),
  });
  await sendMail(omni.smtpPort, {
    envelope,
    raw: raw("=?KOI8-R?B?8NLJ18XUIMnaIO3P08vX2Q==?=", "doklad", "koi8-r"),
  });
  await sendMail(omni.smtpPort, {
    envelope,
    raw: raw("Quarterly numbers", "The invoice zebracorn is attached."),
  });
});
afterAll(() => omni.stop());

describe("GET /v1/mailboxes/{id}/messages?q=", () => {
  test("finds a message by a word of its body", async () => {
    expect(await search("zebracorn")).toEqual(["Quarterly numbers"]);
  });

  test("finds an ISO-8859-1 encoded-word subject by a word of it", async () => {
    expect(await search("München")).toEqual(["Grüße aus München"]);
    // Accents are folded: what people type without them finds it too.
    expect(await search("munchen")).toEqual(["Grüße aus München"]);
  });

  test("finds a KOI8-R encoded-word subject by a Cyrillic word", async () => {
    expect(await search("Москвы")).toEqual(["Привет из Москвы"]);
    expect(await search("привет")).toEqual(["Привет из Москвы"]);
  });

  test("every word must match; `word*` is a prefix", async () => {
    expect(await search("Grüße Oktoberfest")).toEqual(["Grüße aus München"]);
    expect(await search("Grüße zebracorn")).toEqual([]);
    expect(await search("zebra*")).toEqual(["Quarterly numbers"]);
  });

  test("search syntax from users is text, never an FTS error", async () => {
    for (const query of ['"', "AND", "NEAR(", "*", "a OR", "col:x", "^", "-x", "(((("]) {
      const response = await omni.api(
        `/v1/mailboxes/${inbox}/messages?q=${encodeURIComponent(query)}`,
        acme.apiKey,
      );
      expect({ query, status: response.status }).toEqual({ query, status: 200 });
    }
  });

  test("combines with the other filters", async () => {
    const response = await omni.api(
      `/v1/mailboxes/${inbox}/messages?q=zebracorn&from=sender@example.org&unread=true`,
      acme.apiKey,
    );
    const page = (await response.json()) as { data: Array<{ subject: string }> };
    expect(page.data.map((m) => m.subject)).toEqual(["Quarterly numbers"]);
  });
});
