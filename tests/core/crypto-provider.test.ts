import { afterEach, describe, expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { hmacSha256, sha256Hex, useCryptoProvider, verifyHmacSha256 } from "../../core/crypto";
import { checkSignedLink, generateLinkKey, signUrl } from "../../core/links/signed-links";
import { generateWebhookSecret, webhookHeaders } from "../../core/webhooks/sign";
import { bunCrypto } from "../../runtime/bun-crypto";

/**
 * Bun's hasher (runtime/bun-crypto.ts, what main/build.ts installs) and Web
 * Crypto (what the Workers run) must give the same bytes: a link signed by the
 * SMTP edge is checked by the Worker, and a receiver verifies either's webhook.
 */
const utf8 = (text: string) => new TextEncoder().encode(text);
const providers = [
  ["Web Crypto", null],
  ["Bun's hasher", bunCrypto],
] as const;

afterEach(() => useCryptoProvider(null));

describe.each(providers)("%s", (_name, provider) => {
  test("SHA-256: the FIPS 180-2 vector, random bytes, and bytes over shared memory", async () => {
    useCryptoProvider(provider);
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const random = crypto.getRandomValues(new Uint8Array(100_003));
    expect(await sha256Hex(random)).toBe(createHash("sha256").update(random).digest("hex"));
    const shared = new Uint8Array(new SharedArrayBuffer(4096), 7, 1000);
    shared.set(random.subarray(0, 1000));
    expect(await sha256Hex(shared)).toBe(createHash("sha256").update(random.subarray(0, 1000)).digest("hex"));
  });

  test("HMAC-SHA256: RFC 4231 test case 2, and each secret keyed apart", async () => {
    useCryptoProvider(provider);
    const mac = await hmacSha256("Jefe", utf8, utf8("what do ya want for nothing?"));
    expect(Buffer.from(mac).toString("hex")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
    const other = await hmacSha256("ork_another", utf8, utf8("what do ya want for nothing?"));
    expect(Buffer.from(other).toString("hex")).toBe(
      createHmac("sha256", "ork_another").update("what do ya want for nothing?").digest("hex"),
    );
  });

  test("verify: the right MAC passes; a changed byte, a short MAC and another key fail", async () => {
    useCryptoProvider(provider);
    const data = utf8("v1/messages/msg_1/raw\n1796194258");
    const mac = await hmacSha256("olk_key", utf8, data);
    expect(await verifyHmacSha256("olk_key", utf8, mac, data)).toBe(true);
    const changed = mac.slice();
    changed[31] = (changed[31] ?? 0) ^ 1;
    expect(await verifyHmacSha256("olk_key", utf8, changed, data)).toBe(false);
    expect(await verifyHmacSha256("olk_key", utf8, mac.subarray(0, 16), data)).toBe(false);
    expect(await verifyHmacSha256("olk_other", utf8, mac, data)).toBe(false);
  });

  test("a webhook it signs verifies with the Standard Webhooks library", async () => {
    useCryptoProvider(provider);
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ type: "message.received", data: { id: "msg_1" } });
    const headers = await webhookHeaders({ secrets: [secret], id: "evt_1", body, now: Date.now() });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });
});

test("a link signed with one implementation checks with the other, both ways", async () => {
  const linkKey = generateLinkKey();
  const expires = Math.floor(Date.now() / 1000) + 60;
  const check = async (signed: string) => {
    const url = new URL(signed);
    return checkSignedLink({
      path: url.pathname,
      expires: url.searchParams.get("expires") ?? "",
      sig: url.searchParams.get("sig") ?? "",
      linkKey,
    });
  };
  for (const [signer, checker] of [
    [bunCrypto, null],
    [null, bunCrypto],
  ] as const) {
    useCryptoProvider(signer);
    const signed = await signUrl("https://mail.example/v1/messages/msg_1/raw", linkKey, expires);
    useCryptoProvider(checker);
    expect(await check(signed)).toEqual({ ok: true });
    expect(await check(signed.replace("msg_1", "msg_2"))).toEqual({ ok: false, reason: "signature" });
  }
});
