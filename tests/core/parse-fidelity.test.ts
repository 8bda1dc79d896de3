import { describe, expect, test } from "bun:test";
import PostalMime from "postal-mime";
import { relabelCharsets } from "../../core/messages/charset-labels";
import type { HeaderAnomaly } from "../../core/messages/header-anomalies";
import { type ParsedContent, parseMessage } from "../../core/messages/parse";

const LIMITS = { maxNestingDepth: 100, maxHeadersSize: 2 * 1024 * 1024 };

/** A message from ASCII text and raw byte runs, joined as they are. */
function bytesOf(...pieces: Array<string | Uint8Array | number[]>): Uint8Array {
  const parts = pieces.map((piece) =>
    typeof piece === "string" ? new TextEncoder().encode(piece) : Uint8Array.from(piece),
  );
  const out = new Uint8Array(parts.reduce((size, part) => size + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

const base64 = (bytes: number[]) => btoa(String.fromCharCode(...bytes));
const quotedPrintable = (bytes: number[]) =>
  bytes.map((byte) => `=${byte.toString(16).toUpperCase().padStart(2, "0")}`).join("");

async function contentOf(raw: Uint8Array): Promise<ParsedContent> {
  const parsed = await parseMessage(raw);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.content;
}

/**
 * Labels mail carries that the WHATWG list does not (or spells differently),
 * with the bytes of a known string in that charset. `whatwg` is the label the
 * bytes are checked against, so the table cannot be wrong about them.
 */
const CHARSETS: Array<{ label: string; whatwg: string; bytes: number[]; text: string }> = [
  // Python's email package writes these two: postal-mime gave Latin-1 mojibake for both.
  { label: "eucgb2312_cn", whatwg: "gb2312", bytes: [0xd6, 0xd0, 0xce, 0xc4], text: "中文" },
  { label: "big5_tw", whatwg: "big5", bytes: [0xa4, 0xa4, 0xa4, 0xe5], text: "中文" },
  { label: "ks_c_5601-1987", whatwg: "euc-kr", bytes: [0xc7, 0xd1, 0xb1, 0xb9], text: "한국" },
  { label: "x-sjis", whatwg: "shift_jis", bytes: [0x93, 0xfa, 0x96, 0x7b], text: "日本" },
  { label: "cp936", whatwg: "gbk", bytes: [0xd6, 0xd0, 0xce, 0xc4], text: "中文" },
  { label: "ms949", whatwg: "euc-kr", bytes: [0xc7, 0xd1, 0xb1, 0xb9, 0xbe, 0xee], text: "한국어" },
  { label: "latin-1", whatwg: "windows-1252", bytes: [0x63, 0x61, 0x66, 0xe9], text: "café" },
];

describe("charset labels outside the WHATWG list", () => {
  for (const { label, whatwg, bytes, text } of CHARSETS) {
    test(`${label}: the bytes are ${JSON.stringify(text)} in ${whatwg}`, () => {
      expect(new TextDecoder(whatwg).decode(Uint8Array.from(bytes))).toBe(text);
    });

    test(`${label}: subject (B) and display name (Q) decode; the headers are as sent`, async () => {
      const subject = `=?${label}?B?${base64(bytes)}?=`;
      const from = `=?${label}?Q?${quotedPrintable(bytes)}?= <sender@example.org>`;
      const content = await contentOf(bytesOf(`From: ${from}\r\nSubject: ${subject}\r\n\r\nhi\r\n`));
      expect(content.subject).toBe(text);
      expect(content.from).toEqual({ address: "sender@example.org", name: text });
      expect(content.headers).toEqual([
        { name: "From", value: from },
        { name: "Subject", value: subject },
      ]);
    });
  }

  test("a text/plain body in big5_tw", async () => {
    const content = await contentOf(
      bytesOf(
        "From: a@example.org\r\nContent-Type: text/plain; charset=big5_tw\r\n\r\n",
        [0xa4, 0xa4, 0xa4, 0xe5],
        "\r\n",
      ),
    );
    expect(content.text).toBe("中文\n");
  });

  test("a quoted label, an encoded word split across folded lines", async () => {
    const content = await contentOf(
      bytesOf(
        `From: a@example.org\r\nSubject: =?big5_tw?B?${base64([0xa4, 0xa4])}?=\r\n =?big5_tw?B?${base64([0xa4, 0xe5])}?=\r\n`,
        'Content-Type: text/plain;\r\n charset="EUCGB2312_CN"\r\n\r\n',
        [0xd6, 0xd0, 0xce, 0xc4],
      ),
    );
    expect(content.subject).toBe("中文");
    expect(content.text).toBe("中文\n");
  });

  test("parts of a multipart: bodies, an RFC 2047 and an RFC 2231 filename", async () => {
    const content = await contentOf(
      bytesOf(
        'From: a@example.org\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n',
        "--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n",
        "--b2\r\nContent-Type: text/plain; charset=eucgb2312_cn\r\n\r\n",
        [0xd6, 0xd0, 0xce, 0xc4],
        "\r\n--b2--\r\n",
        "--b1\r\nContent-Type: application/octet-stream\r\n",
        `Content-Disposition: attachment; filename="=?big5_tw?B?${base64([0xa4, 0xa4, 0xa4, 0xe5])}?=.txt"\r\n\r\n`,
        "one\r\n",
        "--b1\r\nContent-Type: application/octet-stream\r\n",
        "Content-Disposition: attachment;\r\n filename*=eucgb2312_cn''%D6%D0%CE%C4.txt\r\n\r\n",
        "two\r\n--b1--\r\n",
      ),
    );
    expect(content.text).toBe("中文\n");
    expect(content.attachments.map((attachment) => attachment.filename)).toEqual(["中文.txt", "中文.txt"]);
  });

  test("text that mentions a label, and a message/rfc822 attachment, keep their bytes", async () => {
    const raw = bytesOf(
      "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n",
      "--b\r\nContent-Type: text/plain\r\n\r\n",
      "Write charset=big5_tw and =?big5_tw?B?pKQ=?= in the header.\r\n",
      "--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n",
      `Subject: =?big5_tw?B?pKQ=?=\r\nContent-Type: text/plain; charset=big5_tw\r\n\r\nx\r\n`,
      "--b--\r\n",
    );
    const content = await contentOf(raw);
    expect(content.text).toBe("Write charset=big5_tw and =?big5_tw?B?pKQ=?= in the header.\n");
    // The attachment is what postal-mime alone makes of the message as sent.
    const [asSent] = (await PostalMime.parse(raw, { attachmentEncoding: "arraybuffer" })).attachments;
    expect(content.attachments[0]?.content).toEqual(new Uint8Array(asSent?.content as ArrayBuffer));
    expect(new TextDecoder().decode(content.attachments[0]?.content)).toContain("charset=big5_tw");
  });

  test("a label TextDecoder knows, or the table does not, is left as written (no copy)", () => {
    const raw = bytesOf(
      "Subject: =?utf-8?B?aGk=?= =?x-unknown?B?aGk=?= =?utf-7?B?aGk=?=\r\nContent-Type: text/plain; charset=latin1\r\n\r\nhi\r\n",
    );
    expect(relabelCharsets(raw, LIMITS)).toEqual({ bytes: raw, topSectionChanged: false });
    expect(relabelCharsets(raw, LIMITS).bytes).toBe(raw);
  });

  test("a multipart Content-Type with a boundary is left alone, so its delimiter still matches", async () => {
    const content = await contentOf(
      bytesOf(
        'From: a@example.org\r\nContent-Type: multipart/mixed; charset=big5_tw; boundary="=?big5_tw?B?pKQ=?="\r\n\r\n',
        "--=?big5_tw?B?pKQ=?=\r\nContent-Type: text/plain\r\n\r\npart\r\n--=?big5_tw?B?pKQ=?=--\r\n",
      ),
    );
    expect(content.text).toBe("part\n");
  });
});

/** A message nested `depth` multiparts deep under a plain header section. */
function nestedMessage(depth: number, header: string): Uint8Array {
  let raw = `${header}Content-Type: multipart/mixed; boundary="b0"\r\n\r\n`;
  for (let level = 0; level < depth; level++) {
    raw += `--b${level}\r\nContent-Type: multipart/mixed; boundary="b${level + 1}"\r\n\r\n`;
  }
  return bytesOf(raw);
}

describe("a message postal-mime refuses keeps its header section", () => {
  test("120 levels deep: ok is false with the error; subject, from, to, date, message-id are set", async () => {
    const header = [
      "From: =?utf-8?Q?J=C3=B6rg?= <jorg@example.org>",
      "To: a@example.org, B <b@example.org>",
      `Subject: =?big5_tw?B?${base64([0xa4, 0xa4, 0xa4, 0xe5])}?=`,
      "  =?utf-8?Q?_and_folded?=",
      "Date: Tue, 1 Jul 2025 10:00:00 +0000",
      "Message-ID: <deep@example.org>",
      "",
    ].join("\r\n");
    const parsed = await parseMessage(nestedMessage(120, header));
    expect(parsed).toEqual({
      ok: false,
      error: "Maximum MIME nesting depth of 100 levels exceeded",
      headersOnly: {
        subject: "中文 and folded",
        from: { address: "jorg@example.org", name: "Jörg" },
        to: [
          { address: "a@example.org", name: "" },
          { address: "b@example.org", name: "B" },
        ],
        cc: [],
        replyTo: [],
        date: "2025-07-01T10:00:00.000Z",
        messageId: "<deep@example.org>",
        inReplyTo: null,
        references: [],
        headers: [
          { name: "From", value: "=?utf-8?Q?J=C3=B6rg?= <jorg@example.org>" },
          { name: "To", value: "a@example.org, B <b@example.org>" },
          {
            name: "Subject",
            value: `=?big5_tw?B?${base64([0xa4, 0xa4, 0xa4, 0xe5])}?=  =?utf-8?Q?_and_folded?=`,
          },
          { name: "Date", value: "Tue, 1 Jul 2025 10:00:00 +0000" },
          { name: "Message-ID", value: "<deep@example.org>" },
          { name: "Content-Type", value: 'multipart/mixed; boundary="b0"' },
        ],
        text: null,
        html: null,
        attachments: [],
        headerAnomalies: [],
      },
    });
  });

  test("100 levels deep still parses", async () => {
    expect((await parseMessage(nestedMessage(99, "From: a@example.org\r\n"))).ok).toBe(true);
  });

  test("over postal-mime's header budget: the fields that fit are kept", async () => {
    // 2 MiB of part headers in all; the message's own section is small.
    const filler = `X-Filler: ${"x".repeat(990)}\r\n`.repeat(1100);
    const parsed = await parseMessage(
      bytesOf(
        "From: a@example.org\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n",
        `--b\r\n${filler}\r\none\r\n--b\r\n${filler}\r\ntwo\r\n--b--\r\n`,
      ),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toBe("Maximum header size of 2097152 bytes exceeded");
    expect(parsed.headersOnly?.subject).toBe("big");
    expect(parsed.headersOnly?.from).toEqual({ address: "a@example.org", name: "" });
  });

  test("a header section that is itself over the budget: its first fields", async () => {
    const parsed = await parseMessage(
      bytesOf(
        `Subject: first\r\nFrom: a@example.org\r\n${`X-Filler: ${"x".repeat(990)}\r\n`.repeat(2200)}\r\nhi\r\n`,
      ),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.headersOnly?.subject).toBe("first");
    expect(parsed.headersOnly?.from).toEqual({ address: "a@example.org", name: "" });
  });

  test("the result survives a structured clone (the parse thread posts it)", async () => {
    const parsed = await parseMessage(nestedMessage(120, "From: a@example.org\r\nSubject: deep\r\n"));
    expect(structuredClone(parsed)).toEqual(parsed);
    expect(!parsed.ok && parsed.headersOnly?.subject).toBe("deep");
  });
});

describe("addresses", () => {
  test("From: foo (a local part without a domain) keeps foo as the address", async () => {
    const content = await contentOf(
      bytesOf("From: foo\r\nTo: bar, MAILER-DAEMON, c@example.org\r\n\r\nhi\r\n"),
    );
    expect(content.from).toEqual({ address: "foo", name: "" });
    expect(content.to).toEqual([
      { address: "bar", name: "" },
      { address: "MAILER-DAEMON", name: "" },
      { address: "c@example.org", name: "" },
    ]);
  });

  test('From: "Name" <foo>', async () => {
    expect((await contentOf(bytesOf('From: "Name" <foo>\r\n\r\nhi\r\n'))).from).toEqual({
      address: "foo",
      name: "Name",
    });
  });

  test("a name alone stays a name: quoted, encoded, a comment, two words", async () => {
    const content = await contentOf(
      bytesOf('From: "foo"\r\nTo: =?utf-8?Q?bar?=, (baz), Qux Quux, Team: member;\r\n\r\nhi\r\n'),
    );
    expect(content.from).toEqual({ address: "", name: "foo" });
    expect(content.to).toEqual([
      { address: "", name: "bar" },
      { address: "", name: "baz" },
      { address: "", name: "Qux Quux" },
      { address: "member", name: "" },
    ]);
  });
});

describe("header anomalies", () => {
  const PLAIN =
    "From: a@example.org\r\nTo: b@example.org\r\nSubject: s\r\nDate: Tue, 1 Jul 2025 10:00:00 +0000\r\nMessage-ID: <m@example.org>\r\n";
  const anomaliesOf = async (header: string) =>
    (await contentOf(bytesOf(`${header}\r\nhi\r\n`))).headerAnomalies;

  test("none for a plain message", async () => {
    expect(await anomaliesOf(PLAIN)).toEqual([]);
  });

  const duplicates: Array<[HeaderAnomaly, string]> = [
    ["duplicate_from", "From: c@example.org\r\n"],
    ["duplicate_to", "To: c@example.org\r\n"],
    ["duplicate_subject", "Subject: other\r\n"],
    ["duplicate_date", "Date: Wed, 2 Jul 2025 10:00:00 +0000\r\n"],
    ["duplicate_message_id", "Message-ID: <other@example.org>\r\n"],
  ];
  for (const [anomaly, extra] of duplicates) {
    test(anomaly, async () => {
      expect(await anomaliesOf(PLAIN + extra)).toEqual([anomaly]);
    });
  }

  const missing: Array<[HeaderAnomaly, RegExp]> = [
    ["missing_from", /^From:.*\r\n/m],
    ["missing_date", /^Date:.*\r\n/m],
    ["missing_message_id", /^Message-ID:.*\r\n/m],
  ];
  for (const [anomaly, field] of missing) {
    test(anomaly, async () => {
      expect(await anomaliesOf(PLAIN.replace(field, ""))).toEqual([anomaly]);
    });
  }

  test("an empty From counts as missing", async () => {
    expect(await anomaliesOf(PLAIN.replace("From: a@example.org", "From:"))).toEqual(["missing_from"]);
  });

  test("with two From fields, from is the first (the one DKIM alignment used)", async () => {
    const content = await contentOf(bytesOf(`${PLAIN}From: Evil <ceo@bank.example>\r\n\r\nhi\r\n`));
    expect(content.from).toEqual({ address: "a@example.org", name: "" });
    expect(content.headerAnomalies).toEqual(["duplicate_from"]);
  });

  const encodedAddresses: Array<[string, string]> = [
    ["inside the angle brackets", "From: CEO <=?utf-8?Q?ceo=40bank.example?=@attacker.example>"],
    ["as the local part of a bare address", "From: =?utf-8?Q?ceo=40bank.example?=@attacker.example"],
    ["as a quoted local part", 'Sender: <"=?utf-8?Q?ceo=40bank.example?="@attacker.example>'],
    ["decoding to an angle address", `To: =?utf-8?B?${btoa("<ceo@bank.example>")}?=`],
    ["decoding to a bare address", `Cc: =?utf-8?B?${btoa("ceo@bank.example")}?=`],
    ["in Reply-To", "Reply-To: x <=?utf-8?Q?a?=@attacker.example>"],
  ];
  for (const [name, field] of encodedAddresses) {
    test(`encoded_word_address: ${name}`, async () => {
      // In place of the plain message's field of that name, if it has one.
      const fieldName = field.slice(0, field.indexOf(":"));
      const header = `${PLAIN.replace(new RegExp(`^${fieldName}:.*\\r\\n`, "m"), "")}${field}\r\n`;
      expect(await anomaliesOf(header)).toEqual(["encoded_word_address"]);
    });
  }

  test("an encoded display name is not an encoded_word_address", async () => {
    const header = PLAIN.replace("From: a@example.org", "From: =?utf-8?Q?J=C3=B6rg?= <a@example.org>");
    expect(await anomaliesOf(header)).toEqual([]);
  });

  test("a message that does not parse has them too", async () => {
    const parsed = await parseMessage(nestedMessage(120, "From: a@example.org\r\nFrom: b@example.org\r\n"));
    expect(!parsed.ok && parsed.headersOnly?.headerAnomalies).toEqual([
      "duplicate_from",
      "missing_date",
      "missing_message_id",
    ]);
  });
});
