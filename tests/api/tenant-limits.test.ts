import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { createLogger } from "../../core/logger";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";

/**
 * Issue 13, item 5: keys are not free. A tenant's keys share one request
 * bucket, a tenant holds a bounded number of active keys, and wrong API keys
 * and admin tokens are limited per client address (429 + Retry-After), whatever
 * OMNIMAIL_RATE_LIMIT_PER_MINUTE says.
 */

type Problem = { type: string; status: number; detail: string };

async function expectProblem(response: Response, status: number): Promise<Problem> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = (await response.json()) as Problem;
  expect(problem.status).toBe(status);
  return problem;
}

async function createKey(omni: OmniMail, apiKey: string, name: string): Promise<Response> {
  return omni.api("/v1/api-keys", apiKey, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
}

describe("per-tenant request bucket (OMNIMAIL_RATE_LIMIT_PER_MINUTE=5, tenant default 2×)", () => {
  let omni: OmniMail;
  let acme: TestTenant;
  let globex: TestTenant;
  beforeAll(async () => {
    omni = await startOmniMail({ env: { OMNIMAIL_RATE_LIMIT_PER_MINUTE: "5" } });
    acme = await omni.addTenant("acme.test", ["inbox"]);
    globex = await omni.addTenant("globex.test", ["inbox"]);
  });
  afterAll(() => omni.stop());

  test("more keys do not buy more requests: the tenant's keys share 10 a minute", async () => {
    // Two extra keys, made through the API: two requests of the first key's and the tenant's budget.
    const keys = [acme.apiKey];
    for (const name of ["second", "third"]) {
      const created = (await (await createKey(omni, acme.apiKey, name)).json()) as { key: string };
      keys.push(created.key);
    }
    // 8 more fit in the tenant's 10, 4 from each new key (each has 5 of its own).
    const statuses: number[] = [];
    for (const key of [keys[1], keys[1], keys[1], keys[1], keys[2], keys[2], keys[2], keys[2]]) {
      statuses.push((await omni.api("/v1/mailboxes", key ?? "")).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);

    // The third key has its own 5 left, but the tenant has none.
    const refused = await omni.api("/v1/mailboxes", keys[2] ?? "");
    const problem = await expectProblem(refused, 429);
    expect(problem.type).toBe("urn:omnimail:problem:rate-limited");
    expect(problem.detail).toContain("OMNIMAIL_TENANT_RATE_LIMIT_PER_MINUTE");
    expect(problem.detail).toContain("10 requests a minute");
    expect(refused.headers.get("ratelimit-limit")).toBe("10");
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect(refused.headers.get("ratelimit-policy")).toBe('5;w=60, 10;w=60;comment="tenant"');
    // 10 a minute is one every 6 s.
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(5);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(6);
  });

  test("another tenant's bucket is its own", async () => {
    const response = await omni.api("/v1/mailboxes", globex.apiKey);
    expect(response.status).toBe(200);
    expect(response.headers.get("ratelimit-remaining")).toBe("4");
  });
});

describe("active API keys per tenant (OMNIMAIL_MAX_API_KEYS_PER_TENANT)", () => {
  let omni: OmniMail;
  let acme: TestTenant;
  beforeAll(async () => {
    omni = await startOmniMail({ env: { OMNIMAIL_MAX_API_KEYS_PER_TENANT: "4" } });
    acme = await omni.addTenant("acme.test", ["inbox"]);
  });
  afterAll(() => omni.stop());

  test("past the cap: 409 problem+json naming the limit and the variable; a revoked key frees a place", async () => {
    // The tenant's first key counts: three more reach 4.
    const created: Array<{ id: string }> = [];
    for (const name of ["a", "b", "c"]) {
      const response = await createKey(omni, acme.apiKey, name);
      expect(response.status).toBe(201);
      created.push((await response.json()) as { id: string });
    }
    const problem = await expectProblem(await createKey(omni, acme.apiKey, "d"), 409);
    expect(problem.type).toBe("urn:omnimail:problem:api-key-limit");
    expect(problem.detail).toContain("4 active API keys");
    expect(problem.detail).toContain("OMNIMAIL_MAX_API_KEYS_PER_TENANT");

    // Nothing was stored by the refusal.
    const list = (await (await omni.api("/v1/api-keys", acme.apiKey)).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(4);

    const revoked = await omni.api(`/v1/api-keys/${created[0]?.id}`, acme.apiKey, { method: "DELETE" });
    expect(revoked.status).toBe(204);
    expect((await createKey(omni, acme.apiKey, "e")).status).toBe(201);
    expect((await createKey(omni, acme.apiKey, "f")).status).toBe(409);
  });

  test("creates at once cannot overshoot: the count is taken inside the commit", async () => {
    const other = await omni.addTenant("other.test", ["inbox"]);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, index) => createKey(omni, other.apiKey, `k${index}`)),
    );
    const statuses = answers.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 201, 201, 409, 409, 409, 409, 409]);
    const active = await omni.database.client.execute({
      sql: "SELECT count(*) AS n FROM api_keys WHERE tenant_id = ? AND revoked_at IS NULL",
      args: [other.id],
    });
    expect(Number(active.rows[0]?.n)).toBe(4);
  });
});

const ADMIN_TOKEN = "admin-token-for-the-tests-0123456789";
const WRONG_KEY = `om_live_${"W".repeat(32)}`;

describe("failed authentication per client address (default 20 a minute, on with the harness's rate limit 0)", () => {
  let omni: OmniMail;
  let acme: TestTenant;
  beforeAll(async () => {
    omni = await startOmniMail({ env: { OMNIMAIL_ADMIN_TOKEN: ADMIN_TOKEN } });
    acme = await omni.addTenant("acme.test", ["inbox"]);
  });
  afterAll(() => omni.stop());

  test("no credentials at all is 401 and spends nothing", async () => {
    for (let i = 0; i < 30; i++) expect((await fetch(`${omni.apiUrl}/v1/mailboxes`)).status).toBe(401);
    expect((await omni.api("/v1/mailboxes", acme.apiKey)).status).toBe(200);
  });

  test("20 wrong keys and tokens are 401; then 429 + Retry-After for every attempt, right ones too", async () => {
    // Wrong API keys and wrong admin tokens share the address's budget.
    for (let i = 0; i < 10; i++) expect((await omni.api("/v1/mailboxes", WRONG_KEY)).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await omni.api("/v1/domains", "Bearer a b")).status).toBe(401);
    for (let i = 0; i < 5; i++) {
      const response = await omni.api("/admin/tenants", `wrong-${ADMIN_TOKEN}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "x" }),
      });
      expect(response.status).toBe(401);
    }

    const refused = await omni.api("/v1/mailboxes", WRONG_KEY);
    const problem = await expectProblem(refused, 429);
    expect(problem.type).toBe("urn:omnimail:problem:too-many-failed-authentications");
    expect(problem.detail).toContain("OMNIMAIL_AUTH_FAILURES_PER_MINUTE");
    // 20 a minute: one attempt back every 3 s.
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(3);

    // A guesser learns nothing more: the right key and the right token are refused too, before any check.
    await expectProblem(await omni.api("/v1/mailboxes", acme.apiKey), 429);
    await expectProblem(
      await omni.api("/admin/tenants", ADMIN_TOKEN, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "x" }),
      }),
      429,
    );
    // X-Forwarded-For is not trusted by default: a forged one is still this address.
    await expectProblem(
      await omni.api("/v1/mailboxes", acme.apiKey, { headers: { "x-forwarded-for": "198.51.100.7" } }),
      429,
    );
    // Unauthenticated routes still answer.
    expect((await fetch(`${omni.apiUrl}/healthz`)).status).toBe(200);
  });
});

describe("behind a proxy (OMNIMAIL_PROXY_HOPS=1): the client is the address the proxy saw", () => {
  let omni: OmniMail;
  let acme: TestTenant;
  beforeAll(async () => {
    omni = await startOmniMail({
      env: { OMNIMAIL_PROXY_HOPS: "1", OMNIMAIL_AUTH_FAILURES_PER_MINUTE: "3" },
    });
    acme = await omni.addTenant("acme.test", ["inbox"]);
  });
  afterAll(() => omni.stop());

  const from = (forwardedFor: string, key: string) =>
    omni.api("/v1/mailboxes", key, { headers: { "x-forwarded-for": forwardedFor } });

  test("each forwarded client has its own budget; entries the client wrote are ignored", async () => {
    for (let i = 0; i < 3; i++) expect((await from("203.0.113.5", WRONG_KEY)).status).toBe(401);
    await expectProblem(await from("203.0.113.5", acme.apiKey), 429);
    // The proxy appends the address it saw: whatever the client put to its left does not count.
    await expectProblem(await from("203.0.113.6, 203.0.113.5", acme.apiKey), 429);
    expect((await from("203.0.113.6", acme.apiKey)).status).toBe(200);
    expect((await from("203.0.113.5, 203.0.113.6", WRONG_KEY)).status).toBe(401);
  });

  test("IPv6 clients count per /64", async () => {
    for (let i = 0; i < 3; i++) expect((await from(`2001:db8:1:2::${i + 1}`, WRONG_KEY)).status).toBe(401);
    await expectProblem(await from("2001:db8:1:2:ffff::9", acme.apiKey), 429);
    expect((await from("2001:db8:1:3::1", acme.apiKey)).status).toBe(200);
  });
});

describe("on Workers the client is CF-Connecting-IP", () => {
  let omni: OmniMail;
  let acme: TestTenant;
  beforeAll(async () => {
    omni = await startOmniMail();
    acme = await omni.addTenant("acme.test", ["inbox"]);
  });
  afterAll(() => omni.stop());

  test("each connecting address has its own budget", async () => {
    // As the Worker runs it: the app without a Bun server behind it (no requestIP).
    const app = createApp({
      store: omni.store,
      logger: createLogger("silent", "test"),
      publicUrl: "http://omnimail.test",
      authFailuresPerMinute: 2,
    });
    const call = (address: string, key: string) =>
      app.request("/v1/mailboxes", {
        headers: { authorization: `Bearer ${key}`, "cf-connecting-ip": address },
      });
    expect((await call("192.0.2.10", WRONG_KEY)).status).toBe(401);
    expect((await call("192.0.2.10", WRONG_KEY)).status).toBe(401);
    expect((await call("192.0.2.10", acme.apiKey)).status).toBe(429);
    expect((await call("192.0.2.11", acme.apiKey)).status).toBe(200);
  });
});
