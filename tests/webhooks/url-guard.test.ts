import { describe, expect, test } from "bun:test";
import { blockedAddressReason } from "../../core/webhooks/ip-ranges";
import { checkWebhookUrl } from "../../core/webhooks/url-guard";

describe("blockedAddressReason", () => {
  const blocked = [
    "127.0.0.1",
    "127.255.255.254",
    "10.0.0.1",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.255",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "198.18.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:a9fe:a9fe",
    "64:ff9b::a00:1",
    "2002:a00:1::1",
    "[::1]",
  ];
  const allowed = [
    "93.184.216.34",
    "8.8.8.8",
    "172.32.0.1",
    "100.128.0.1",
    "192.169.0.1",
    "2606:4700::6810:85e5",
    "::ffff:8.8.8.8",
  ];
  for (const address of blocked) {
    test(`refuses ${address}`, () => expect(blockedAddressReason(address)).not.toBeNull());
  }
  for (const address of allowed) {
    test(`allows ${address}`, () => expect(blockedAddressReason(address)).toBeNull());
  }
  test("refuses what is not an address at all", () =>
    expect(blockedAddressReason("example.com")).not.toBeNull());
});

describe("checkWebhookUrl", () => {
  // A resolver the test controls, standing in for DNS.
  const dns: Record<string, string[]> = {
    "public.example": ["93.184.216.34"],
    "sneaky.example": ["93.184.216.34", "10.0.0.7"],
    "metadata.example": ["169.254.169.254"],
    "v6loop.example": ["::1"],
  };
  const resolveHost = async (host: string) => {
    const found = dns[host];
    if (!found) throw new Error("ENOTFOUND");
    return found;
  };
  const guard = { allowPrivate: false, resolveHost };

  const refused: Array<[string, RegExp]> = [
    ["http://127.0.0.1/hook", /loopback/],
    ["http://10.1.2.3/hook", /private/],
    ["http://169.254.169.254/latest/meta-data/", /link-local/],
    ["http://[::1]:8080/hook", /loopback/],
    ["http://[::ffff:7f00:1]/hook", /loopback/],
    ["http://localhost:3000/hook", /internal host name/],
    ["http://api.localhost/hook", /internal host name/],
    ["http://metadata.google.internal/", /internal host name/],
    ["https://sneaky.example/hook", /private/],
    ["https://metadata.example/hook", /link-local/],
    ["https://v6loop.example/hook", /loopback/],
    ["https://nowhere.example/hook", /does not resolve/],
    ["ftp://public.example/hook", /http or https/],
    ["https://user:secret@public.example/hook", /credentials/],
    ["//public.example/hook", /absolute/],
  ];
  for (const [url, reason] of refused) {
    test(`refuses ${url}`, async () => {
      await expect(checkWebhookUrl(url, guard)).rejects.toThrow(reason);
    });
  }

  test("accepts a public https URL", async () => {
    expect((await checkWebhookUrl("https://public.example/hooks/omnimail?x=1", guard)).hostname).toBe(
      "public.example",
    );
  });

  test("OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS=1 lets local development use loopback", async () => {
    expect((await checkWebhookUrl("http://127.0.0.1:3000/hook", { allowPrivate: true })).port).toBe("3000");
  });

  test("errors name the field", async () => {
    await expect(checkWebhookUrl("http://127.0.0.1/", guard)).rejects.toMatchObject({ location: "body.url" });
  });
});
