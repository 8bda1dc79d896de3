import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import nodemailer, { type Transporter } from "nodemailer";
import PostalMime, { type Address } from "postal-mime";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";
import { stripTraceHeader, toWireForm } from "../helpers/send";
import { listEml, requireOrSkip, sharedPath } from "../helpers/shared";

/**
 * Every message of the shared corpus goes in over SMTP and comes back from the
 * API with the same bytes and the fields postal-mime finds in those bytes.
 */
const CORPUS = sharedPath("corpus");

const files = CORPUS ? listEml(CORPUS) : [];
if (files.length === 0) requireOrSkip("the shared corpus: no .eml files in ../shared/corpus");

const addresses = (list: Address[] | undefined) =>
  (list ?? []).flatMap((entry) => (entry.group ? entry.group : [entry])).map((m) => m.address);

/**
 * Where parse.ts differs from postal-mime on purpose: a bare local part
 * (`From: mailer-daemon`, `To: abel, bianchi`), which postal-mime reads as a
 * name without an address, is kept as the address.
 */
const BARE_LOCAL_PARTS: Record<string, { from?: string; to?: string[] }> = {
  "jstedfast-MimeKit/startrek.eml": {
    from: "nsb",
    to: "abel bianchi braun cameron carmen jfp jxr kraut lamb lowery lynn mlittman nancyg sau shoshi slr stornett@flash tkl".split(
      " ",
    ),
  },
  "sisimai-set-of-emails/lhost-x6-01.eml": { from: "mailer-daemon" },
};

let omni: OmniMail;
let tenant: TestTenant;

describe.skipIf(files.length === 0)(`shared corpus (${files.length} messages)`, () => {
  beforeAll(async () => {
    omni = await startOmniMail();
    tenant = await omni.addTenant("corpus.test", ["*"]);
  });
  afterAll(() => omni?.stop());

  test("every message is accepted, stored byte-exact and parsed as postal-mime parses it", async () => {
    const transport = nodemailer.createTransport({
      host: "127.0.0.1",
      port: omni.smtpPort,
      ignoreTLS: true,
      pool: true,
      maxConnections: 4,
      maxMessages: Infinity,
    });
    const failures: string[] = [];
    const queue = [...files];
    const worker = async () => {
      for (let file = queue.shift(); file; file = queue.shift()) {
        const name = relative(CORPUS ?? "", file);
        try {
          await checkOne(transport, name, toWireForm(readFileSync(file)));
        } catch (error) {
          failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    transport.close();
    expect(failures).toEqual([]);
  }, 120_000);
});

async function checkOne(transport: Transporter, name: string, wire: Uint8Array) {
  const info = await transport.sendMail({
    envelope: { from: "corpus@example.org", to: ["c@corpus.test"] },
    raw: Buffer.from(wire),
  });
  const id = /queued as (msg_\w+)/.exec(String(info.response))?.[1];
  if (!id) throw new Error(`unexpected reply ${info.response}`);

  const raw = new Uint8Array(await (await omni.api(`/v1/messages/${id}/raw`, tenant.apiKey)).arrayBuffer());
  if (!Buffer.from(stripTraceHeader(raw).rest).equals(Buffer.from(wire))) throw new Error("raw bytes differ");

  const message = (await (await omni.api(`/v1/messages/${id}`, tenant.apiKey)).json()) as {
    subject: string | null;
    from: { address: string } | null;
    to: Array<{ address: string }>;
    attachments: Array<{ filename: string | null }>;
    parse_error: string | null;
  };
  let expected: Awaited<ReturnType<typeof PostalMime.parse>>;
  try {
    // The message as the client sent it (our trace header is each copy's own, kept beside the bytes).
    expected = await PostalMime.parse(wire, { maxNestingDepth: 100, maxHeadersSize: 2 * 1024 * 1024 });
  } catch {
    if (!message.parse_error) throw new Error("postal-mime fails on it but parse_error is not set");
    return;
  }
  const mismatch = (field: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      throw new Error(
        `${field}: got ${JSON.stringify(got)?.slice(0, 200)}, want ${JSON.stringify(want)?.slice(0, 200)}`,
      );
    }
  };
  mismatch("subject", message.subject, expected.subject ?? null);
  const bare = BARE_LOCAL_PARTS[name];
  const from = bare?.from ?? (expected.from ? addresses([expected.from])[0] : undefined);
  mismatch("from", message.from?.address ?? null, from ?? null);
  mismatch(
    "to",
    message.to.map((t) => t.address),
    bare?.to ?? addresses(expected.to),
  );
  mismatch(
    "attachment names",
    message.attachments.map((a) => a.filename),
    expected.attachments.map((a) => a.filename),
  );
  if (message.parse_error !== null) throw new Error(`parse_error set: ${message.parse_error} (${name})`);
}
