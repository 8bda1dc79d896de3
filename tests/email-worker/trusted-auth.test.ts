import { describe, expect, test } from "bun:test";
import { trustedAuthResults } from "../../email-worker/trusted-auth";

// Only the Email Routing hop's own record is believed (RFC 8601 §5: a sender can write any
// Authentication-Results it likes into the message it sends).
const bytes = (lines: string[]) => new TextEncoder().encode(`${lines.join("\r\n")}\r\n\r\nbody\r\n`);
const cloudflareReceived =
  "Received: from mail.sender.example by mx.cloudflare.net (Postfix) with ESMTPS id x";

describe("verdicts of the trusted hop", () => {
  test("ARC-Authentication-Results of mx.cloudflare.net give every verdict, DKIM alignment relaxed", () => {
    const auth = trustedAuthResults(
      bytes([
        cloudflareReceived,
        "ARC-Authentication-Results: i=2; mx.cloudflare.net; dkim=pass header.d=mail.sender.example header.s=k1;",
        "\tdkim=fail header.d=other.example header.s=k2; spf=softfail smtp.mailfrom=bounce@sender.example;",
        "\tdmarc=pass (p=QUARANTINE sp=NONE) header.from=sender.example; arc=pass",
        "From: a@sender.example",
      ]),
    );
    expect(auth).toMatchObject({
      spf: { result: "softfail", domain: "sender.example" },
      dkim: [
        { result: "pass", domain: "mail.sender.example", selector: "k1", aligned: true },
        { result: "fail", domain: "other.example", selector: "k2", aligned: false },
      ],
      dmarc: { result: "pass", domain: "sender.example", policy: "quarantine" },
      arc: { result: "pass" },
    });
    expect(auth.header).toStartWith("Authentication-Results: mx.cloudflare.net;");
  });

  test("a record below a Received: the hop did not write is the sender's claim: ignored", () => {
    const auth = trustedAuthResults(
      bytes([
        "Received: from evil.example by relay.evil.example with SMTP",
        "Authentication-Results: mx.cloudflare.net; spf=pass smtp.mailfrom=ceo@bank.example; dkim=pass header.d=bank.example",
        "From: ceo@bank.example",
      ]),
    );
    expect(auth.spf.result).toBe("none");
    expect(auth.dkim).toEqual([{ result: "none", domain: null, selector: null, aligned: false }]);
    expect(auth.header).toContain("none (no verdicts recorded by the Email Routing hop)");
  });

  test("another authserv-id is not the trusted hop; the topmost trusted record wins over one below it", () => {
    const auth = trustedAuthResults(
      bytes([
        cloudflareReceived,
        "Authentication-Results: mx.google.com; spf=pass smtp.mailfrom=a@sender.example",
        "Authentication-Results: mx.cloudflare.net; spf=fail smtp.mailfrom=a@sender.example",
        "Authentication-Results: mx.cloudflare.net; spf=pass smtp.mailfrom=a@sender.example",
      ]),
    );
    expect(auth.spf.result).toBe("fail");
  });

  test("no record at all: none, never pass", () => {
    expect(trustedAuthResults(bytes(["From: a@b.example", "Subject: plain"]))).toMatchObject({
      spf: { result: "none" },
      dmarc: { result: "none" },
      arc: { result: "none" },
    });
  });
});
