import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { authenticate, type DNSResolver } from "mailauth";
import { scanHeaderSection } from "../../core/messages/header-limit";
import { runSenderAuth, type SenderAuthEnvelope } from "../../smtp-edge/checks/run-sender-auth";
import { createDnsResolver } from "../../smtp-edge/sender-auth";
import { createDkimKey, signWithDkim } from "../helpers/dkim";
import { type DnsServer, startDnsServer } from "../helpers/dns-server";
import { listEml, requireOrSkip, sharedPath } from "../helpers/shared";

/**
 * runSenderAuth gives mailauth only the header section of a message that has
 * no DKIM-Signature and no ARC-Message-Signature (nothing else reads the
 * body). That must change no result: each message here is checked both ways,
 * against a real DNS server, and the verdicts and the Authentication-Results
 * text must be the same.
 */
let dns: DnsServer;
let resolver: DNSResolver;
const envelope: SenderAuthEnvelope = {
  ip: "192.0.2.10",
  helo: "mx.sender.test",
  sender: "news@sender.test",
  mta: "mx.omnimail.test",
};

beforeAll(async () => {
  dns = await startDnsServer({
    "sender.test": { TXT: ["v=spf1 ip4:192.0.2.0/24 -all"] },
    "_dmarc.sender.test": { TXT: ["v=DMARC1; p=reject"] },
    "other.test": { TXT: ["v=spf1 -all"] },
    "_dmarc.other.test": { TXT: ["v=DMARC1; p=quarantine"] },
  });
  resolver = createDnsResolver(1000, dns.address);
});
afterAll(() => dns.stop());

/** What mailauth says about the whole message, in runSenderAuth's terms. */
async function wholeMessageVerdicts(raw: Uint8Array, from: SenderAuthEnvelope) {
  const result = await authenticate(Buffer.from(raw), { ...from, resolver, disableBimi: true });
  return {
    spf: result.spf ? result.spf.status.result : "none",
    dkim: result.dkim.results.map((signature) => signature.status.result),
    dmarc: result.dmarc ? result.dmarc.status.result : "none",
    arc: result.arc ? result.arc.status.result : "none",
    header: result.headers,
  };
}

async function headerOnlyVerdicts(raw: Uint8Array, from: SenderAuthEnvelope) {
  const result = await runSenderAuth(raw, from, resolver);
  return {
    spf: result.spf.result,
    dkim: result.dkim.map((signature) => signature.result),
    dmarc: result.dmarc.result,
    arc: result.arc.result,
    header: result.header,
  };
}

const crlf = (lines: string[]) => Buffer.from(lines.join("\r\n"), "utf8");

describe("sender checks of a message without body signatures", () => {
  const messages: Record<string, Uint8Array> = {
    "plain, aligned sender": crlf(["From: News <news@sender.test>", "Subject: hi", "", "Hello.", ""]),
    "From another domain than the envelope": crlf(["From: a@other.test", "Subject: x", "", "Body", ""]),
    "bare LF line ends": Buffer.from("From: news@sender.test\nSubject: lf\n\nline one\nline two\n"),
    "no body and no blank line": Buffer.from("From: news@sender.test\r\nSubject: only headers"),
    "an ARC-Seal without a message signature": crlf([
      "ARC-Seal: i=1; a=rsa-sha256; t=1700000000; cv=none; d=relay.test; s=arc; b=AAAA",
      "ARC-Authentication-Results: i=1; relay.test; spf=pass smtp.mailfrom=sender.test",
      "From: news@sender.test",
      "Subject: forwarded",
      "",
      "Forwarded body.",
      "",
    ]),
  };
  for (const [name, raw] of Object.entries(messages)) {
    test(name, async () => {
      expect(await headerOnlyVerdicts(raw, envelope)).toEqual(await wholeMessageVerdicts(raw, envelope));
    });
  }

  test("a message with a DKIM-Signature is checked whole: a changed body breaks its body hash", async () => {
    const key = createDkimKey();
    dns.set("sel._domainkey.sender.test", "TXT", [key.txtRecord]);
    const original = crlf(["From: news@sender.test", "Subject: signed", "", "The signed body.", ""]);
    const raw = await signWithDkim(original, {
      domain: "sender.test",
      selector: "sel",
      privateKeyPem: key.privateKeyPem,
    });
    expect(raw.toString()).toStartWith("DKIM-Signature:");
    expect((await headerOnlyVerdicts(raw, envelope)).dkim).toEqual(["pass"]);
    const tampered = Buffer.from(raw.toString().replace("The signed body.", "A changed body."));
    const verdicts = await headerOnlyVerdicts(tampered, envelope);
    // mailauth answers a body hash mismatch `neutral`, "body hash did not verify" (RFC 6376 6.3, step 4).
    expect(verdicts.dkim).toEqual(["neutral"]);
    expect(verdicts.header).toContain("body hash did not verify");
  });

  const corpus = sharedPath("corpus");
  const unsigned = (corpus ? listEml(corpus) : []).filter((file) => {
    const section = scanHeaderSection(readFileSync(file));
    return section.dkimSignatures === 0 && section.arcMessageSignatures === 0 && !section.overLimit;
  });
  if (!corpus) requireOrSkip("the shared corpus (../shared/corpus)");
  test.skipIf(!corpus)(`every corpus message without body signatures (${unsigned.length})`, async () => {
    const differ: string[] = [];
    for (const file of unsigned) {
      const raw = new Uint8Array(readFileSync(file));
      const [headerOnly, whole] = await Promise.all([
        headerOnlyVerdicts(raw, envelope),
        wholeMessageVerdicts(raw, envelope),
      ]);
      if (!Bun.deepEquals(headerOnly, whole)) differ.push(relative(corpus ?? "", file));
    }
    expect(differ).toEqual([]);
    expect(unsigned.length).toBeGreaterThan(100);
  });
});
