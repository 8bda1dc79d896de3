import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type DnsServer, startDnsServer } from "../helpers/dns-server";
import { type DomainJson, rcptReply, tenantCall } from "../helpers/domains";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";

// A domain is a tenant's only once proven: a TXT record looked up through a real DNS server.
const ADMIN_TOKEN = "admin-token-for-verification-tests";
let dns: DnsServer;
let omni: OmniMail;
let acme: TestTenant;
let globex: TestTenant;

beforeAll(async () => {
  dns = await startDnsServer();
  // The product's own DNS client, pointed at a real DNS server on 127.0.0.1.
  omni = await startOmniMail({
    env: { OMNIMAIL_ADMIN_TOKEN: ADMIN_TOKEN, OMNIMAIL_DNS_SERVERS: dns.address },
  });
  acme = await omni.addTenant("acme-verified.test", ["alice"]);
  globex = await omni.addTenant("globex-verified.test", ["bob"]);
});
afterAll(async () => {
  await omni.stop();
  dns.stop();
});

const post = (tenant: TestTenant, path: string, body?: unknown) =>
  tenantCall(omni, tenant, "POST", path, body);
const rcpt = (address: string) => rcptReply(omni, address);

describe("domain verification", () => {
  test("a new domain is pending: its mail is refused 550 5.7.1 until its TXT record is there", async () => {
    const created = await post(acme, "/v1/domains", { name: "shop.example" });
    expect(created.status).toBe(201);
    const domain = (await created.json()) as DomainJson;
    expect(domain).toMatchObject({ verified: false, verified_at: null });
    expect(domain.verification).toEqual({
      type: "TXT",
      name: "_omnimail.shop.example",
      value: expect.stringMatching(/^omnimail-verification=[0-9A-Za-z]{32}$/),
    });
    expect((await post(acme, "/v1/mailboxes", { address: "*@shop.example" })).status).toBe(201);
    expect(await rcpt("orders@shop.example")).toMatch(/^550 5\.7\.1 Domain not verified/);

    // No record yet, then a wrong one: 422 saying what was found.
    const none = await post(acme, `/v1/domains/${domain.id}/verify`);
    expect(none.status).toBe(422);
    expect(((await none.json()) as { detail: string }).detail).toContain(
      "no TXT record at _omnimail.shop.example",
    );
    dns.set("_omnimail.shop.example", "TXT", ["omnimail-verification=not-the-token"], 0);
    const wrong = await post(acme, `/v1/domains/${domain.id}/verify`);
    expect(wrong.status).toBe(422);
    expect(((await wrong.json()) as { detail: string }).detail).toContain(
      'holds "omnimail-verification=not-the-token"',
    );

    dns.set("_omnimail.shop.example", "TXT", ["some-other=record", domain.verification?.value ?? ""], 0);
    const verified = await post(acme, `/v1/domains/${domain.id}/verify`);
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ verified: true, verification: null });
    expect(await rcpt("orders@shop.example")).toMatch(/^250 /);
  });

  test("another tenant cannot add a subdomain of a verified domain (409), nor verify someone else's domain (404)", async () => {
    const sub = await post(globex, "/v1/domains", { name: "billing.shop.example" });
    expect(sub.status).toBe(409);
    const own = (await (
      await post(globex, "/v1/domains", { name: "globex-new.example" })
    ).json()) as DomainJson;
    const list = (await (await omni.api("/v1/domains", acme.apiKey)).json()) as { data: DomainJson[] };
    const acmeShop = list.data.find((domain) => domain.name === "shop.example");
    expect((await post(globex, `/v1/domains/${acmeShop?.id}/verify`)).status).toBe(404);
    expect((await post(acme, `/v1/domains/${own.id}/verify`)).status).toBe(404);
  });

  test("an operator verifies a domain without DNS (admin token); the first-start domain needs nothing", async () => {
    const pending = (await (await post(globex, "/v1/domains", { name: "lab.example" })).json()) as DomainJson;
    expect(
      (await fetch(`${omni.apiUrl}/admin/domains/${pending.id}/verify`, { method: "POST" })).status,
    ).toBe(401);
    const response = await fetch(`${omni.apiUrl}/admin/domains/${pending.id}/verify`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ name: "lab.example", verified: true });
  });
});
