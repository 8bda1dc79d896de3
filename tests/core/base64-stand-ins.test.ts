import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import PostalMime from "postal-mime";
import { decodeBase64Run, findBase64Runs } from "../../core/messages/base64-stand-ins";
import { parseMessage, parseWithStandIns } from "../../core/messages/parse";
import { listEml, requireOrSkip, sharedPath } from "../helpers/shared";

/**
 * Long base64 runs are decoded outside postal-mime (core/messages/base64-stand-ins.ts).
 * The result must be what postal-mime alone gives, for every message: the
 * corpus is parsed both ways with stand-ins for runs of any length.
 */

const encoder = new TextEncoder();
const ALL_RUNS = { standInMinChars: 1 };
const NO_RUNS = { standInMinChars: Number.POSITIVE_INFINITY };

/** What postal-mime alone decodes a part's body to. */
async function postalMimeDecodes(body: string): Promise<Uint8Array> {
  const message = `Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=x.bin\r\n\r\n${body}`;
  const email = await PostalMime.parse(message, { attachmentEncoding: "arraybuffer" });
  return new Uint8Array(email.attachments[0]?.content as ArrayBuffer);
}

function base64Lines(bytes: Uint8Array, width = 76): string {
  const text = Buffer.from(bytes).toString("base64");
  const lines: string[] = [];
  for (let at = 0; at < text.length; at += width) lines.push(text.slice(at, at + width));
  return lines.join("\r\n");
}

function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed;
  for (let index = 0; index < length; index++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out[index] = state >>> 24;
  }
  return out;
}

describe("a base64 run decodes as postal-mime decodes it", () => {
  const bodies: Array<[string, string]> = [
    ["76-character lines", base64Lines(randomBytes(3000, 1))],
    ["a length that leaves one byte over", base64Lines(randomBytes(3001, 2))],
    ["a length that leaves two bytes over", base64Lines(randomBytes(3002, 3))],
    [
      "padding inside the body (a mailer that pads every line)",
      ["QUJD", "REU=", "Rg==", "R0hJ"].join("\r\n"),
    ],
    ["trailing spaces and tabs", "QUJD \t\r\nREVG\t\r\nR0hJ  "],
    ["a lone last character, closed by padding", "QUJDREVGR0hJSktM\r\nQ="],
    ["bare LF line breaks", base64Lines(randomBytes(500, 4)).replaceAll("\r\n", "\n")],
  ];
  for (const [name, body] of bodies) {
    test(name, async () => {
      const bytes = encoder.encode(body);
      const runs = findBase64Runs(bytes, 1);
      expect(runs).toHaveLength(1);
      expect(decodeBase64Run(bytes, runs[0] as (typeof runs)[number])).toEqual(await postalMimeDecodes(body));
    });
  }

  test("a run that ends mid-group is left to postal-mime (what follows it could complete the group)", () => {
    expect(findBase64Runs(encoder.encode("QUJDREVGR0hJ\r\nQUJ\r\n"), 1)).toEqual([]);
  });

  test("runs end at any line that is not base64: a boundary, a blank line, a header", () => {
    const text = "Subject: x\r\n\r\nQUJD\r\nREVG\r\n--b\r\nR0hJ\r\n\r\nSktM\r\n";
    const runs = findBase64Runs(encoder.encode(text), 1);
    expect(runs.map((run) => text.slice(run.start, run.end))).toEqual(["QUJD\r\nREVG", "R0hJ", "SktM"]);
  });

  test("short runs are left to postal-mime", () => {
    expect(findBase64Runs(encoder.encode(base64Lines(randomBytes(300, 5))), 1000)).toEqual([]);
  });
});

describe("parsing with stand-ins gives what postal-mime alone gives", () => {
  const attachment = randomBytes(200_000, 6);
  const multipart = (parts: string[]) =>
    encoder.encode(
      `From: a@example.test\r\nTo: b@example.test\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n${parts
        .map((part) => `--b1\r\n${part}\r\n`)
        .join("")}--b1--\r\n`,
    );
  /** Each case: its name, the message, and how many runs postal-mime leaves to the stand-ins. */
  const cases: Array<[string, Uint8Array, number]> = [
    [
      "a text body and a large attachment",
      multipart([
        "Content-Type: text/plain\r\n\r\nHello",
        `Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\n${base64Lines(attachment)}`,
      ]),
      1,
    ],
    [
      "a base64 text body (not an attachment: the stand-in comes back as text, so the original is parsed)",
      multipart([
        `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(encoder.encode("héllo ".repeat(20_000)))}`,
      ]),
      0,
    ],
    [
      "an attached message holding a large attachment (postal-mime lists the inner attachment)",
      multipart([
        `Content-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(attachment)}`,
      ]),
      1,
    ],
    [
      "the same bytes attached twice",
      multipart([
        `Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(attachment)}`,
        `Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(attachment)}`,
      ]),
      2,
    ],
    [
      "a base64-looking run that is not base64 encoded (7bit)",
      multipart([`Content-Type: application/octet-stream\r\n\r\n${base64Lines(attachment)}`]),
      0,
    ],
  ];
  for (const [name, message, stoodIn] of cases) {
    test(name, async () => {
      expect(findBase64Runs(message, 1).length).toBeGreaterThan(0);
      expect((await parseWithStandIns(message, 1)).standIns).toBe(stoodIn);
      expect(await parseMessage(message, ALL_RUNS)).toEqual(await parseMessage(message, NO_RUNS));
    });
  }

  const corpus = sharedPath("corpus");
  const files = corpus ? listEml(corpus) : [];
  if (files.length === 0) requireOrSkip("the shared corpus: no .eml files in ../shared/corpus");
  test.skipIf(files.length === 0)(`every corpus message (${files.length})`, async () => {
    const differ: string[] = [];
    let stoodIn = 0;
    for (const file of files) {
      const raw = new Uint8Array(readFileSync(file));
      if ((await parseWithStandIns(raw, 1)).standIns > 0) stoodIn++;
      const [standIns, plain] = await Promise.all([parseMessage(raw, ALL_RUNS), parseMessage(raw, NO_RUNS)]);
      if (!Bun.deepEquals(standIns, plain, true)) differ.push(relative(corpus ?? "", file));
    }
    expect(differ).toEqual([]);
    // The comparison means something only if many messages took the stand-in path.
    expect(stoodIn).toBeGreaterThan(50);
  });
});
