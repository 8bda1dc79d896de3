import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { DNSResolver } from "mailauth";
import { createDkimKey } from "../helpers/dkim";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";
import { sendMail } from "../helpers/send";

/**
 * SPF, DKIM and DMARC through a stub DNS resolver that serves this test's
 * records (no network): nodemailer DKIM-signs with a test key whose public half
 * the resolver publishes. A resolver failure must give temperror and still 250.
 */
const { privateKeyPem, txtRecord: dkimRecord } = createDkimKey();

const records: Record<string, string[][]> = {
  "TXT sel._domainkey.signed.example": [[dkimRecord]],
  "TXT signed.example": [["v=spf1 ip4:127.0.0.1 -all"]],
  "TXT _dmarc.signed.example": [["v=DMARC1; p=reject"]],
  "TXT spoofed.example": [["v=spf1 ip4:192.0.2.1 -all"]],
  "TXT _dmarc.spoofed.example": [["v=DMARC1; p=reject"]],
};
let failing = false;
const resolver: DNSResolver = async (name, rrtype) => {
  if (failing) throw Object.assign(new Error(`queryTxt ETIMEOUT ${name}`), { code: "ETIMEOUT" });
  const found = records[`${rrtype} ${name.toLowerCase()}`];
  if (!found) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
  return found;
};

let omni: OmniMail;
let tenant: TestTenant;
beforeAll(async () => {
  omni = await startOmniMail({ dnsResolver: resolver });
  tenant = await omni.addTenant("acme.test", ["*"]);
});
afterAll(() => omni.stop());

type Auth = {
  spf: { result: string; domain: string | null };
  dkim: Array<{ result: string; domain: string | null; selector: string | null }>;
  dmarc: { result: string; domain: string | null; policy: string | null };
  arc: { result: string };
};

async function authOf(reply: string): Promise<Auth> {
  const id = /queued as (msg_\w+)/.exec(reply)?.[1];
  const response = await omni.api(`/v1/messages/${id}`, tenant.apiKey);
  expect(response.status).toBe(200);
  return ((await response.json()) as { auth: Auth }).auth;
}

describe("sender authentication", () => {
  test("a DKIM-signed message from an SPF-authorised address passes SPF, DKIM and DMARC", async () => {
    const reply = await sendMail(omni.smtpPort, {
      from: "news@signed.example",
      to: "a@acme.test",
      subject: "signed",
      text: "authentic",
      dkim: { domainName: "signed.example", keySelector: "sel", privateKey: privateKeyPem },
    });
    expect(reply).toMatch(/^250 /);
    const auth = await authOf(reply);
    expect(auth.spf).toEqual({ result: "pass", domain: "signed.example" });
    expect(auth.dkim.map((d) => [d.result, d.domain, d.selector])).toEqual([
      ["pass", "signed.example", "sel"],
    ]);
    expect(auth.dmarc).toMatchObject({ result: "pass", domain: "signed.example" });
  });

  test("a spoofed sender fails SPF and DMARC, and is still accepted and stored (we report, the user decides)", async () => {
    const reply = await sendMail(omni.smtpPort, {
      from: "ceo@spoofed.example",
      to: "a@acme.test",
      subject: "spoof",
      text: ".",
    });
    expect(reply).toMatch(/^250 /);
    const auth = await authOf(reply);
    expect(auth.spf.result).toBe("fail");
    expect(auth.dkim.map((d) => d.result)).toEqual(["none"]);
    expect(auth.dmarc.result).toBe("fail");
  });

  test("a signature broken in transit fails DKIM", async () => {
    const reply = await sendMail(omni.smtpPort, {
      envelope: { from: "news@signed.example", to: ["a@acme.test"] },
      raw: await signedThenTampered(),
    });
    const auth = await authOf(reply);
    expect(auth.dkim[0]?.result).not.toBe("pass");
  });

  test("DNS failure gives temperror and never blocks delivery", async () => {
    failing = true;
    try {
      const reply = await sendMail(omni.smtpPort, {
        from: "news@signed.example",
        to: "a@acme.test",
        subject: "dns down",
        text: ".",
      });
      expect(reply).toMatch(/^250 2\.6\.0 /);
      const auth = await authOf(reply);
      expect(auth.spf.result).toBe("temperror");
    } finally {
      failing = false;
    }
  });
});

/** A message nodemailer signs, with its body changed afterwards. */
async function signedThenTampered(): Promise<string> {
  const { default: MailComposer } = await import("nodemailer/lib/mail-composer");
  const { default: DKIM } = await import("nodemailer/lib/dkim");
  const composed = await new MailComposer({
    from: "news@signed.example",
    to: "a@acme.test",
    subject: "tampered",
    text: "original text",
  })
    .compile()
    .build();
  const signer = new DKIM({ domainName: "signed.example", keySelector: "sel", privateKey: privateKeyPem });
  const chunks: Buffer[] = [];
  for await (const chunk of signer.sign(composed)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace("original text", "altered text!");
}
