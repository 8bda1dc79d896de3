import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseByteRange } from "../../api/byte-ranges";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { sendMail } from "../helpers/send";

/**
 * Raw messages and attachments answer range requests (RFC 9110 §14), so a
 * client resumes a large download where it broke off. A message with a binary
 * attachment goes in over real SMTP; every part asked for must be exactly
 * those bytes of what the whole download gives.
 */
let omni: OmniMail;
let acme: TestTenant;
let messageId = "";
let attachmentId = "";
/** 64 KiB of every byte value, so an off-by-one shows. */
const CONTENT = Uint8Array.from({ length: 65_536 }, (_, index) => (index * 7) % 256);

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["inbox"]);
  const reply = await sendMail(omni.smtpPort, {
    from: "sender@example.org",
    to: "inbox@acme.test",
    subject: "a file",
    text: "attached",
    attachments: [
      { filename: "data.bin", content: Buffer.from(CONTENT), contentType: "application/octet-stream" },
    ],
  });
  expect(reply).toStartWith("250");
  const mailboxId = acme.mailboxes["inbox@acme.test"] ?? "";
  messageId = await waitFor(async () => {
    const response = await omni.api(`/v1/mailboxes/${mailboxId}/messages`, acme.apiKey);
    return ((await response.json()) as { data: Array<{ id: string }> }).data[0]?.id;
  });
  const message = (await (await omni.api(`/v1/messages/${messageId}`, acme.apiKey)).json()) as {
    attachments: Array<{ id: string }>;
  };
  attachmentId = message.attachments[0]?.id ?? "";
});
afterAll(() => omni.stop());

const get = (path: string, headers: Record<string, string> = {}) => omni.api(path, acme.apiKey, { headers });
const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer());

describe("range requests on stored bytes", () => {
  test("an attachment: one range, an open-ended one and a suffix are 206 with the right bytes", async () => {
    const path = `/v1/messages/${messageId}/attachments/${attachmentId}`;
    const whole = await get(path);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect(whole.headers.get("etag")).toBe(`"${attachmentId}"`);
    expect(await bytesOf(whole)).toEqual(CONTENT);

    const cases: Array<[string, number, number]> = [
      ["bytes=0-0", 0, 0],
      ["bytes=100-4195", 100, 4195],
      ["bytes=65000-", 65_000, 65_535],
      ["bytes=-10", 65_526, 65_535],
      ["bytes=65530-99999", 65_530, 65_535],
    ];
    for (const [range, start, end] of cases) {
      const part = await get(path, { Range: range });
      expect({ range, status: part.status }).toEqual({ range, status: 206 });
      expect(part.headers.get("content-range")).toBe(`bytes ${start}-${end}/${CONTENT.byteLength}`);
      expect(part.headers.get("content-length")).toBe(String(end - start + 1));
      // The untrusted-content headers stay on a part.
      expect(part.headers.get("content-security-policy")).toContain("sandbox");
      expect(await bytesOf(part)).toEqual(CONTENT.subarray(start, end + 1));
    }
  });

  test("a range past the end is 416 problem+json with the size; several ranges or bad syntax get the whole", async () => {
    const path = `/v1/messages/${messageId}/attachments/${attachmentId}`;
    const past = await get(path, { Range: "bytes=65536-" });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-type")).toBe("application/problem+json");
    expect(past.headers.get("content-range")).toBe("bytes */65536");
    const problem = (await past.json()) as { errors: Array<{ location: string }> };
    expect(problem.errors[0]?.location).toBe("header.range");

    for (const ignored of ["bytes=0-1,5-6", "bytes=9-3", "items=0-5", "bytes=abc"]) {
      const response = await get(path, { Range: ignored });
      expect({ ignored, status: response.status }).toEqual({ ignored, status: 200 });
      expect((await bytesOf(response)).byteLength).toBe(CONTENT.byteLength);
    }
  });

  test("the raw message resumes where a download broke off; If-Range with another ETag gets the whole", async () => {
    const path = `/v1/messages/${messageId}/raw`;
    const whole = await bytesOf(await get(path));
    const etag = `"${messageId}"`;
    const rest = await get(path, { Range: "bytes=1000-", "If-Range": etag });
    expect(rest.status).toBe(206);
    const resumed = new Uint8Array([...whole.subarray(0, 1000), ...(await bytesOf(rest))]);
    expect(resumed).toEqual(whole);

    const stale = await get(path, { Range: "bytes=1000-", "If-Range": '"msg_other"' });
    expect(stale.status).toBe(200);
    expect((await bytesOf(stale)).byteLength).toBe(whole.byteLength);
  });

  test("HEAD says the size a GET would send", async () => {
    const path = `/v1/messages/${messageId}/raw`;
    const whole = await bytesOf(await get(path));
    const head = await omni.api(path, acme.apiKey, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(whole.byteLength));
  });

  test("another tenant's raw message is 404 whatever the Range", async () => {
    const other = await omni.addTenant("other.test", ["inbox"]);
    const response = await omni.api(`/v1/messages/${messageId}/raw`, other.apiKey, {
      headers: { Range: "bytes=0-10" },
    });
    expect(response.status).toBe(404);
  });
});

describe("parseByteRange", () => {
  test("an empty body has no range to give", () => {
    expect(parseByteRange("bytes=0-", 0)).toEqual({ kind: "none" });
    expect(parseByteRange("bytes=-5", 0)).toEqual({ kind: "none" });
    expect(parseByteRange(undefined, 0)).toEqual({ kind: "whole" });
  });
  test("a suffix longer than the body is the whole body as a part", () => {
    expect(parseByteRange("bytes=-500", 100)).toEqual({ kind: "part", start: 0, end: 99 });
  });
});
