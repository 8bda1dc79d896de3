import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";

let omni: OmniMail;
let acme: TestTenant;
let globex: TestTenant;

type Domain = {
  id: string;
  name: string;
  created_at: string;
  verified: boolean;
  verified_at: string | null;
  verification: { type: string; name: string; value: string } | null;
  rcpt_hook: unknown;
};
type Problem = { status: number; detail: string; errors?: Array<{ location: string }> };

const post = (apiKey: string, path: string, body: unknown) =>
  omni.api(path, apiKey, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", []);
  globex = await omni.addTenant("globex.test", []);
});
afterAll(() => omni.stop());

describe("/v1/domains", () => {
  test("POST normalises the name: lower case, IDN as punycode, no trailing dot", async () => {
    const cases: Array<[string, string]> = [
      ["Mail.ACME.example", "mail.acme.example"],
      ["Bücher.example", "xn--bcher-kva.example"],
      ["shop.example.", "shop.example"],
    ];
    for (const [given, stored] of cases) {
      const response = await post(acme.apiKey, "/v1/domains", { name: given });
      expect(response.status).toBe(201);
      expect((await response.json()) as Domain).toEqual({
        id: expect.stringMatching(/^dom_/),
        name: stored,
        created_at: expect.any(String),
        // New domains are pending until proven (tests/api/domain-verification.test.ts).
        verified: false,
        verified_at: null,
        verification: {
          type: "TXT",
          name: `_omnimail.${stored}`,
          value: expect.stringMatching(/^omnimail-verification=/),
        },
        rcpt_hook: null,
      });
    }
  });

  test("a name any tenant has is 409, with the same answer for the owner and for others", async () => {
    const own = await post(acme.apiKey, "/v1/domains", { name: "MAIL.acme.example" });
    const other = await post(globex.apiKey, "/v1/domains", { name: "mail.acme.example" });
    expect([own.status, other.status]).toEqual([409, 409]);
    const [ownProblem, otherProblem] = [(await own.json()) as Problem, (await other.json()) as Problem];
    expect(otherProblem.detail).toBe(ownProblem.detail);
    expect(otherProblem.detail).not.toContain(acme.id);
  });

  test("names that are not domains are 422 naming body.name", async () => {
    for (const name of [
      "not a domain",
      "-bad-.example",
      "127.0.0.1",
      "localhost",
      "a..b.example",
      "x@y.example",
    ]) {
      const response = await post(acme.apiKey, "/v1/domains", { name });
      expect({ name, status: response.status }).toEqual({ name, status: 422 });
      expect(((await response.json()) as Problem).errors?.map((e) => e.location)).toEqual(["body.name"]);
    }
  });

  test("GET lists the tenant's own, newest first; GET /{id} reads one", async () => {
    const page = (await (await omni.api("/v1/domains", acme.apiKey)).json()) as { data: Domain[] };
    expect(page.data.map((d) => d.name)).toEqual([
      "shop.example",
      "xn--bcher-kva.example",
      "mail.acme.example",
      "acme.test",
    ]);
    const first = page.data[0] as Domain;
    expect(await (await omni.api(`/v1/domains/${first.id}`, acme.apiKey)).json()).toEqual(first);
  });

  test("DELETE refuses a domain with mailboxes (409, saying why), then deletes it once they are gone", async () => {
    const domain = (await (
      await post(acme.apiKey, "/v1/domains", { name: "temp.example" })
    ).json()) as Domain;
    const mailbox = (await (
      await post(acme.apiKey, "/v1/mailboxes", { address: "x@temp.example" })
    ).json()) as {
      id: string;
    };
    const refused = await omni.api(`/v1/domains/${domain.id}`, acme.apiKey, { method: "DELETE" });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as Problem).detail).toContain("still has 1 mailbox");
    expect((await omni.api(`/v1/mailboxes/${mailbox.id}`, acme.apiKey, { method: "DELETE" })).status).toBe(
      204,
    );
    expect((await omni.api(`/v1/domains/${domain.id}`, acme.apiKey, { method: "DELETE" })).status).toBe(204);
    expect((await omni.api(`/v1/domains/${domain.id}`, acme.apiKey)).status).toBe(404);
    // The name is free again, for anyone.
    expect((await post(globex.apiKey, "/v1/domains", { name: "temp.example" })).status).toBe(201);
  });
});
