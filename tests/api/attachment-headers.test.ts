import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { sendMail } from "../helpers/send";

/**
 * Issue 13, item 10: an attachment whose Content-Type is not Latin-1
 * (`application/x-\u202e`) answered 500 and could never be downloaded, and
 * control characters and raw 8-bit passed into response headers. Such parts
 * are served as application/octet-stream (the JSON keeps the original type),
 * and the filename reaches Content-Disposition only as RFC 6266
 * `filename*=UTF-8''…` with a plain-ASCII fallback. Sent over real SMTP.
 */

let omni: OmniMail;
let acme: TestTenant;

type Attachment = { id: string; filename: string | null; content_type: string; size: number };
let attachments: Attachment[] = [];
let messageId = "";

/** Every byte value, so a wrong transfer shows. */
const BINARY = Uint8Array.from({ length: 256 }, (_, index) => index);
const BOUNDARY = "b0undary";

/** One base64 part; header lines given as strings are UTF-8, as Buffers their bytes exactly. */
function part(headers: Array<string | Buffer>, body: Uint8Array): Buffer {
  const base64 = Buffer.from(body)
    .toString("base64")
    .replace(/.{1,76}/g, "$&\r\n");
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\n`, "latin1"),
    ...headers.map((line) =>
      Buffer.concat([typeof line === "string" ? Buffer.from(line) : line, Buffer.from("\r\n")]),
    ),
    Buffer.from(`Content-Transfer-Encoding: base64\r\n\r\n${base64}`, "latin1"),
  ]);
}

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["inbox"]);
  const raw = Buffer.concat([
    Buffer.from(
      [
        "From: Mallory <mallory@example.org>",
        "To: inbox@acme.test",
        "Subject: hostile attachment headers",
        "MIME-Version: 1.0",
        `Content-Type: multipart/mixed; boundary="${BOUNDARY}"`,
        "",
        `--${BOUNDARY}`,
        "Content-Type: text/plain; charset=utf-8",
        "",
        "see attached",
        "",
      ].join("\r\n"),
    ),
    // 1. Not Latin-1 (U+202E, right-to-left override), in the type and in the name.
    part(
      [
        'Content-Type: application/x-\u202e; name="invoice\u202efdp.exe"',
        'Content-Disposition: attachment; filename="invoice\u202efdp.exe"',
      ],
      BINARY,
    ),
    // 2. Raw 8-bit in the type (the single byte 0xE9, not UTF-8), control characters and quotes in the name.
    part(
      [
        Buffer.from("Content-Type: image/x-\xe9", "latin1"),
        'Content-Disposition: attachment; filename="bell\x07\\"quote\\".txt"',
      ],
      BINARY,
    ),
    // 3. An ordinary part with a non-ASCII name (RFC 2231): its type is kept.
    part(
      [
        "Content-Type: application/pdf",
        "Content-Disposition: attachment; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf",
      ],
      BINARY,
    ),
    Buffer.from(`--${BOUNDARY}--\r\n`, "latin1"),
  ]);
  const reply = await sendMail(omni.smtpPort, {
    envelope: { from: "mallory@example.org", to: ["inbox@acme.test"] },
    raw,
  });
  expect(reply).toStartWith("250");
  const mailboxId = acme.mailboxes["inbox@acme.test"] ?? "";
  messageId = await waitFor(async () => {
    const list = (await (await omni.api(`/v1/mailboxes/${mailboxId}/messages`, acme.apiKey)).json()) as {
      data: Array<{ id: string }>;
    };
    return list.data[0]?.id;
  });
  const message = (await (await omni.api(`/v1/messages/${messageId}`, acme.apiKey)).json()) as {
    attachments: Attachment[];
  };
  attachments = message.attachments;
  expect(raw.includes(Buffer.from([0x2f, 0x78, 0x2d, 0xe9]))).toBe(true);
});
afterAll(() => omni.stop());

const download = (attachment: Attachment | undefined) =>
  omni.api(`/v1/messages/${messageId}/attachments/${attachment?.id}`, acme.apiKey);

/** Every response header is printable ASCII: no sender byte passes raw. */
function expectSafeHeaders(response: Response) {
  for (const [name, value] of response.headers) {
    expect({ name, value, safe: /^[\x20-\x7e]*$/.test(value) }).toEqual({ name, value, safe: true });
  }
}

/** The name a client reads from `filename*=UTF-8''…`. */
function extendedFilename(disposition: string): string {
  const match = /filename\*=UTF-8''([^;\s]+)/.exec(disposition);
  return decodeURIComponent(match?.[1] ?? "");
}

describe("attachment headers never carry the sender's bytes", () => {
  test("the message JSON keeps the original types and names", () => {
    expect(attachments.map((attachment) => attachment.content_type)).toEqual([
      "application/x-\u202e",
      expect.stringMatching(/^image\/x-/),
      "application/pdf",
    ]);
    expect(attachments[0]?.filename).toBe("invoice\u202efdp.exe");
    expect(attachments[2]?.filename).toBe("Résumé.pdf");
  });

  test("a type that is not Latin-1: 200, application/octet-stream, a safe name, the exact bytes", async () => {
    const response = await download(attachments[0]);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    const disposition = response.headers.get("content-disposition") ?? "";
    // The override that would show "invoice\u202efdp.exe" as "invoiceexe.pdf" is gone.
    expect(disposition).toBe(`attachment; filename="invoice_fdp.exe"; filename*=UTF-8''invoice_fdp.exe`);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expectSafeHeaders(response);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(BINARY);
  });

  test("raw 8-bit in the type and control characters in the name: octet-stream, the name cleaned", async () => {
    const response = await download(attachments[1]);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    const disposition = response.headers.get("content-disposition") ?? "";
    // BEL becomes _, the quotes stay only in the percent-encoded filename*.
    expect(disposition).toBe(
      `attachment; filename="bell__quote_.txt"; filename*=UTF-8''bell_%22quote%22.txt`,
    );
    expect(extendedFilename(disposition)).toBe('bell_"quote".txt');
    expectSafeHeaders(response);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(BINARY);
  });

  test("an ordinary type is kept; a non-ASCII name goes in filename*, with an ASCII fallback", async () => {
    const response = await download(attachments[2]);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect(response.headers.get("content-disposition")).toBe(
      `attachment; filename="R_sum_.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf`,
    );
    expectSafeHeaders(response);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(BINARY);
  });
});
