import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type DnsServer, startDnsServer } from "../helpers/dns-server";
import { type DomainJson, rcptReply, tenantCall } from "../helpers/domains";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";

// A subdomain of a verified domain is its tenant's, until that tenant delegates it (issue 13, item 6).
let dns: DnsServer;
let omni: OmniMail;
let acme: TestTenant;
let globex: TestTenant;

beforeAll(async () => {
  dns = await startDnsServer();
  omni = await startOmniMail({ env: { OMNIMAIL_DNS_SERVERS: dns.address } });
  acme = await omni.addTenant("acme-delegation.test", ["alice"]);
  globex = await omni.addTenant("globex-delegation.test", ["bob"]);
});
afterAll(async () => {
  await omni.stop();
  dns.stop();
});

interface DelegationJson {
  id: string;
  domain_id: string;
  name: string;
  used: boolean;
  used_at: string | null;
  token?: string;
}
interface Problem {
  status: number;
  detail: string;
  errors?: Array<{ location: string }>;
}

const call = (tenant: TestTenant, method: string, path: string, body?: unknown) =>
  tenantCall(omni, tenant, method, path, body);
const rcpt = (address: string) => rcptReply(omni, address);

async function verifiedDomain(tenant: TestTenant, name: string): Promise<DomainJson> {
  const domain = (await (await call(tenant, "POST", "/v1/domains", { name })).json()) as DomainJson;
  dns.set(domain.verification?.name ?? "", "TXT", [domain.verification?.value ?? ""], 0);
  const verified = await call(tenant, "POST", `/v1/domains/${domain.id}/verify`);
  expect(verified.status).toBe(200);
  return (await verified.json()) as DomainJson;
}

describe("subdomain delegation", () => {
  test("the owner delegates one subdomain with a token shown once; the other tenant adds it with the token, once, and proves it like any domain", async () => {
    const parent = await verifiedDomain(globex, "corp.example");
    const name = "billing.corp.example";

    const refused = await call(acme, "POST", "/v1/domains", { name });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as Problem).detail).toContain("delegation_token");
    // Acme cannot delegate under Globex's domain, nor see its delegations.
    expect((await call(acme, "POST", `/v1/domains/${parent.id}/delegations`, { name })).status).toBe(404);
    expect((await call(acme, "GET", `/v1/domains/${parent.id}/delegations`)).status).toBe(404);

    const made = await call(globex, "POST", `/v1/domains/${parent.id}/delegations`, {
      name: "BILLING.corp.example",
    });
    expect(made.status).toBe(201);
    const delegation = (await made.json()) as DelegationJson;
    expect(delegation).toMatchObject({ domain_id: parent.id, name, used: false, used_at: null });
    expect(delegation.token).toMatch(/^omnimail_dlg_[0-9A-Za-z]{32}$/);
    // Stored only as a hash.
    const stored = await omni.database.client.execute("SELECT * FROM domain_delegations");
    expect(JSON.stringify(stored.rows)).not.toContain(delegation.token?.slice("omnimail_dlg_".length));

    const wrong = await call(acme, "POST", "/v1/domains", { name, delegation_token: "omnimail_dlg_wrong" });
    expect(wrong.status).toBe(409);
    expect(((await wrong.json()) as Problem).detail).toContain("not an unused delegation");
    // The token is for this name only.
    const elsewhere = await call(acme, "POST", "/v1/domains", {
      name: "payroll.corp.example",
      delegation_token: delegation.token,
    });
    expect(elsewhere.status).toBe(409);

    const added = await call(acme, "POST", "/v1/domains", { name, delegation_token: delegation.token });
    expect(added.status).toBe(201);
    const domain = (await added.json()) as DomainJson;
    expect(domain).toMatchObject({ name, verified: false });
    // Used once: nobody else, Acme included, adds the name again.
    expect(
      (await call(globex, "POST", "/v1/domains", { name, delegation_token: delegation.token })).status,
    ).toBe(409);

    const list = (await (await call(globex, "GET", `/v1/domains/${parent.id}/delegations`)).json()) as {
      data: DelegationJson[];
    };
    expect(list.data).toEqual([expect.objectContaining({ id: delegation.id, used: true })]);
    expect(list.data[0]).not.toHaveProperty("token");
    expect(
      (await call(globex, "DELETE", `/v1/domains/${parent.id}/delegations/${delegation.id}`)).status,
    ).toBe(409);

    // Pending until its own record is there; then its mail is Acme's.
    expect(
      (await call(acme, "POST", "/v1/mailboxes", { address: "invoices@billing.corp.example" })).status,
    ).toBe(201);
    expect(await rcpt("invoices@billing.corp.example")).toMatch(/^550 5\.7\.1 /);
    dns.set(domain.verification?.name ?? "", "TXT", [domain.verification?.value ?? ""], 0);
    expect((await call(acme, "POST", `/v1/domains/${domain.id}/verify`)).status).toBe(200);
    expect(await rcpt("invoices@billing.corp.example")).toMatch(/^250 /);
  });

  test("only a subdomain of a verified domain can be delegated; an unused delegation can be withdrawn", async () => {
    const parent = await verifiedDomain(globex, "group.example");
    for (const name of ["group.example", "other.example", "not a domain"]) {
      const response = await call(globex, "POST", `/v1/domains/${parent.id}/delegations`, { name });
      expect(response.status).toBe(422);
      expect(((await response.json()) as Problem).errors?.[0]?.location).toBe("body.name");
    }
    const pending = (await (
      await call(globex, "POST", "/v1/domains", { name: "pending.example" })
    ).json()) as DomainJson;
    expect(
      (await call(globex, "POST", `/v1/domains/${pending.id}/delegations`, { name: "a.pending.example" }))
        .status,
    ).toBe(409);

    const made = (await (
      await call(globex, "POST", `/v1/domains/${parent.id}/delegations`, { name: "eu.group.example" })
    ).json()) as DelegationJson;
    expect((await call(globex, "DELETE", `/v1/domains/${parent.id}/delegations/${made.id}`)).status).toBe(
      204,
    );
    const withdrawn = await call(acme, "POST", "/v1/domains", {
      name: "eu.group.example",
      delegation_token: made.token,
    });
    expect(withdrawn.status).toBe(409);
    // The parent domain can still be deleted: its delegations go with it.
    expect(
      (await call(globex, "POST", `/v1/domains/${parent.id}/delegations`, { name: "us.group.example" }))
        .status,
    ).toBe(201);
    expect((await call(globex, "DELETE", `/v1/domains/${parent.id}`)).status).toBe(204);
    const left = await omni.database.client.execute({
      sql: "SELECT count(*) AS n FROM domain_delegations WHERE domain_id = ?",
      args: [parent.id],
    });
    expect(Number(left.rows[0]?.n)).toBe(0);
  });
});
