import { describe, expect, test } from "bun:test";
import {
  boundHeaderFields,
  DKIM_SIGNATURE_LIMIT,
  HEADER_FIELD_LIMIT_BYTES,
  HEADER_LINE_LIMIT,
  scanHeaderSection,
} from "../../core/messages/header-limit";
import { parseMessage } from "../../core/messages/parse";

const bytes = (text: string) => Buffer.from(text, "latin1");
const text = (data: Uint8Array) => Buffer.from(data).toString("latin1");

describe("scanHeaderSection", () => {
  test("counts lines up to the blank line, CRLF or bare LF, and finds the body", () => {
    const raw = bytes("From: a@example.org\r\nSubject: hi\r\n there\nX: 1\r\n\r\nbody\r\n");
    const section = scanHeaderSection(raw);
    expect(section).toEqual({
      bodyStart: raw.indexOf("body"),
      lines: 4,
      dkimSignatures: 0,
      arcMessageSignatures: 0,
      oversizedFields: [],
      overLimit: null,
    });
  });

  test("a message with no blank line is all header", () => {
    const raw = bytes("From: a@example.org\r\nSubject: hi");
    expect(scanHeaderSection(raw)).toMatchObject({ bodyStart: raw.byteLength, lines: 2, overLimit: null });
  });

  test(`over ${HEADER_LINE_LIMIT} lines is over the bound mailauth is held to`, () => {
    const within = bytes(`X: a${"\r\n b".repeat(HEADER_LINE_LIMIT - 1)}\r\n\r\nbody`);
    expect(scanHeaderSection(within).overLimit).toBeNull();
    const over = bytes(`X: a${"\r\n b".repeat(HEADER_LINE_LIMIT)}\r\n\r\nbody`);
    expect(scanHeaderSection(over).overLimit).toBe(
      `${HEADER_LINE_LIMIT + 1} header lines, over ${HEADER_LINE_LIMIT}`,
    );
  });

  test(`more than ${DKIM_SIGNATURE_LIMIT} DKIM-Signature fields, in any case and with WSP before the colon`, () => {
    const names = ["DKIM-Signature:", "dkim-signature :", "Dkim-Signature\t:"];
    const fields = (n: number) =>
      Array.from({ length: n }, (_, i) => `${names[i % names.length]} v=1; d=example.org\r\n`).join("");
    expect(scanHeaderSection(bytes(`${fields(DKIM_SIGNATURE_LIMIT)}\r\nbody`))).toMatchObject({
      dkimSignatures: DKIM_SIGNATURE_LIMIT,
      overLimit: null,
    });
    const over = scanHeaderSection(
      bytes(`${fields(DKIM_SIGNATURE_LIMIT + 1)}X-DKIM-Signature: no\r\n\r\nbody`),
    );
    expect(over.dkimSignatures).toBe(DKIM_SIGNATURE_LIMIT + 1);
    expect(over.overLimit).toBe(
      `${DKIM_SIGNATURE_LIMIT + 1} DKIM-Signature fields, over ${DKIM_SIGNATURE_LIMIT}`,
    );
  });

  test("200,000 continuation lines scan in linear time", () => {
    const raw = bytes(`From: a@example.org\r\nX-Fold: a${"\r\n b".repeat(200_000)}\r\n\r\nbody\r\n`);
    const started = performance.now();
    const section = scanHeaderSection(raw);
    expect(performance.now() - started).toBeLessThan(500);
    expect(section).toMatchObject({ lines: 200_002, oversizedFields: ["X-Fold"] });
  });
});

describe("boundHeaderFields", () => {
  test("within the line bound, the bytes as received (no copy), even with a long field", () => {
    const raw = bytes(`Subject: ${"w".repeat(HEADER_FIELD_LIMIT_BYTES * 2)}\r\n\r\nbody`);
    expect(boundHeaderFields(raw).bytes).toBe(raw);
  });

  test("over the line bound, each field over 102,400 bytes is cut there and the rest of it dropped", () => {
    const fold = `X-Fold: a${"\r\n b".repeat(HEADER_LINE_LIMIT * 3)}\r\n`;
    const raw = bytes(`From: a@example.org\r\n${fold}Subject: after\r\n\r\nbody\r\n`);
    const { bytes: bounded, section } = boundHeaderFields(raw);
    expect(section.oversizedFields).toEqual(["X-Fold"]);
    const kept = text(bounded);
    expect(kept.startsWith("From: a@example.org\r\nX-Fold: a\r\n b\r\n b")).toBe(true);
    expect(kept.endsWith("\r\n b\r\nSubject: after\r\n\r\nbody\r\n")).toBe(true);
    const keptFold = kept.slice(kept.indexOf("X-Fold"), kept.indexOf("Subject: after"));
    expect(keptFold.length).toBeLessThanOrEqual(HEADER_FIELD_LIMIT_BYTES);
    expect(keptFold.length).toBeGreaterThan(HEADER_FIELD_LIMIT_BYTES - 8);
  });

  test("a single line over the limit is cut at a UTF-8 character boundary and ended with CRLF", () => {
    const lines = `${"X: 1\r\n".repeat(HEADER_LINE_LIMIT)}`;
    const long = `Subject: ${"é".repeat(HEADER_FIELD_LIMIT_BYTES)}`;
    const raw = Buffer.from(`${lines}${long}\r\n\r\nbody`, "utf8");
    const bounded = Buffer.from(boundHeaderFields(raw).bytes).toString("utf8");
    const subject = bounded.slice(bounded.indexOf("Subject: "), bounded.indexOf("\r\n\r\nbody"));
    expect(subject).not.toContain("\uFFFD");
    expect(Buffer.byteLength(`${subject}\r\n`)).toBeLessThanOrEqual(HEADER_FIELD_LIMIT_BYTES);
    expect(bounded.endsWith("\r\n\r\nbody")).toBe(true);
  });
});

describe("parseMessage", () => {
  test("the issue's message: parsed from the bounded copy, every field after the fold kept", async () => {
    const raw = bytes(
      `From: a@example.org\r\nSubject: fold\r\nX-Fold: a${"\r\n b".repeat(200_000)}\r\nTo: b@example.org\r\n\r\nbody\r\n`,
    );
    const started = performance.now();
    const parsed = await parseMessage(raw);
    expect(performance.now() - started).toBeLessThan(2000);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.content.subject).toBe("fold");
    expect(parsed.content.to).toEqual([{ address: "b@example.org", name: "" }]);
    expect(parsed.content.text).toBe("body\n");
    expect(parsed.content.headers.map((header) => header.name)).toEqual(["From", "Subject", "X-Fold", "To"]);
  });

  test("NUL becomes U+FFFD in subject, text, html, header values and attachment names", async () => {
    const raw = bytes(
      [
        "From: a@example.org",
        "Subject: a\0b",
        "X-Note: c\0d",
        "Content-Type: multipart/mixed; boundary=b",
        "",
        "--b",
        "Content-Type: text/plain",
        "",
        "t\0ext",
        "--b",
        "Content-Type: text/html",
        "",
        "<p>h\0tml</p>",
        "--b",
        'Content-Type: application/pdf; name="f\0.pdf"',
        "Content-Disposition: attachment",
        "",
        "x",
        "--b--",
        "",
      ].join("\r\n"),
    );
    const parsed = await parseMessage(raw);
    if (!parsed.ok) throw new Error(parsed.error);
    const { content } = parsed;
    expect(content.subject).toBe("a\uFFFDb");
    expect(content.text).toContain("t\uFFFDext\n");
    expect(content.html).toContain("h\uFFFDtml");
    expect(content.headers.find((header) => header.name === "X-Note")?.value).toBe("c\uFFFDd");
    expect(content.attachments.map((attachment) => attachment.filename)).toEqual(["f\uFFFD.pdf"]);
    // The attachment's bytes are content, not text: never changed.
    expect(JSON.stringify(content, (key, value) => (key === "content" ? undefined : value))).not.toContain(
      "\\u0000",
    );
  });
});
