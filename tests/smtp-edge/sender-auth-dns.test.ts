import { afterAll, beforeAll, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import nodemailer from "nodemailer";
import { type DnsServer, startDnsServer } from "../helpers/dns-server";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";

// Sender authentication in the default configuration: the product's own DNS client (in the
// checks' thread) against a real DNS server, with a 2048-bit DKIM key (a TXT record over 255 bytes).
let dns: DnsServer;
let omni: OmniMail;
let tenant: TestTenant;
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const dkimRecord = `v=DKIM1; k=rsa; p=${publicKey.export({ type: "spki", format: "der" }).toString("base64")}`;

beforeAll(async () => {
  dns = await startDnsServer({
    "sender.test": { TXT: ["v=spf1 ip4:127.0.0.1 -all"] },
    "_dmarc.sender.test": { TXT: ["v=DMARC1; p=reject"] },
    "s2048._domainkey.sender.test": { TXT: [dkimRecord] },
  });
  omni = await startOmniMail({ env: { OMNIMAIL_DNS_SERVERS: dns.address } });
  tenant = await omni.addTenant("auth-dns.test", ["alice"]);
});
afterAll(async () => {
  await omni.stop();
  dns.stop();
});

async function send(subject: string) {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: omni.smtpPort,
    secure: false,
    ignoreTLS: true,
    name: "client.sender.test",
    dkim: {
      domainName: "sender.test",
      keySelector: "s2048",
      privateKey: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    },
  });
  try {
    const info = await transport.sendMail({
      from: "bob@sender.test",
      to: "alice@auth-dns.test",
      subject,
      text: "signed",
    });
    return /queued as (msg_\w+)/.exec(String(info.response))?.[1] ?? "";
  } finally {
    transport.close();
  }
}

test("SPF, DKIM with a 2048-bit key and DMARC pass through the product's DNS client; the second message asks nothing", async () => {
  expect(dkimRecord.length).toBeGreaterThan(255);
  const first = await send("first");
  const message = (await (await omni.api(`/v1/messages/${first}`, tenant.apiKey)).json()) as {
    auth: {
      spf: { result: string };
      dkim: Array<{ result: string; aligned: boolean }>;
      dmarc: { result: string };
    };
  };
  expect(message.auth.spf.result).toBe("pass");
  expect(message.auth.dkim).toEqual([expect.objectContaining({ result: "pass", aligned: true })]);
  expect(message.auth.dmarc.result).toBe("pass");
  const asked = dns.queries.length;
  expect(asked).toBeGreaterThan(0);
  await send("second");
  // Every answer came from the cache (their TTL is 300 s).
  expect(dns.queries.length).toBe(asked);
});
