import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { createLogger } from "../../core/logger";
import { createApiKey } from "../../core/tenancy/api-keys";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";

const ORIGIN = "https://app.example.com";
let omni: OmniMail;
let acme: TestTenant;

beforeAll(async () => {
  omni = await startOmniMail({
    env: { OMNIMAIL_RATE_LIMIT_PER_MINUTE: "5", OMNIMAIL_CORS_ORIGINS: `${ORIGIN}, http://localhost:5173` },
  });
  acme = await omni.addTenant("acme.test", ["inbox"]);
});
afterAll(() => omni.stop());

describe("rate limit per API key", () => {
  test("RateLimit-* headers on every answer, then 429 problem+json with Retry-After", async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await omni.api("/v1/mailboxes", acme.apiKey);
      expect(response.status).toBe(200);
      expect(response.headers.get("ratelimit-limit")).toBe("5");
      remaining.push(response.headers.get("ratelimit-remaining") ?? "");
      expect(Number(response.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    }
    expect(remaining).toEqual(["4", "3", "2", "1", "0"]);
    const refused = await omni.api("/v1/mailboxes", acme.apiKey);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    // 5 a minute is one every 12 s.
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(11);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(12);
    expect(((await refused.json()) as { status: number }).status).toBe(429);
  });

  test("each key has its own bucket", async () => {
    const other = await createApiKey(omni.store, { tenantId: acme.id, name: "other" });
    const response = await omni.api("/v1/mailboxes", other.key);
    expect(response.status).toBe(200);
    expect(response.headers.get("ratelimit-remaining")).toBe("4");
  });

  test("health, metrics and docs are not limited", async () => {
    for (let i = 0; i < 8; i++) expect((await fetch(`${omni.apiUrl}/healthz`)).status).toBe(200);
  });
});

describe("CORS", () => {
  test("a preflight from an allowed origin is answered, Authorization allowed", async () => {
    const response = await fetch(`${omni.apiUrl}/v1/mailboxes`, {
      method: "OPTIONS",
      headers: {
        origin: ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expect(response.headers.get("access-control-allow-methods")).toContain("PATCH");
  });

  test("answers, errors included, carry the origin and expose the rate-limit headers", async () => {
    const other = await createApiKey(omni.store, { tenantId: acme.id, name: "cors" });
    const ok = await omni.api("/v1/mailboxes", other.key, { headers: { origin: ORIGIN } });
    expect(ok.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(ok.headers.get("access-control-expose-headers")).toContain("RateLimit-Remaining");
    const refused = await fetch(`${omni.apiUrl}/v1/mailboxes`, { headers: { origin: ORIGIN } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(ORIGIN);
  });

  test("an origin not in the list gets no CORS headers", async () => {
    const response = await fetch(`${omni.apiUrl}/v1/mailboxes`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
    });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("with OMNIMAIL_CORS_ORIGINS unset there are no CORS headers at all", async () => {
    const app = createApp({
      store: omni.store,
      logger: createLogger("silent", "test"),
      publicUrl: "http://omnimail.test",
    });
    const response = await app.request("/healthz", { headers: { origin: ORIGIN } });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });
});
