import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { createLogger } from "../../core/logger";
import { type OmniMail, startOmniMail } from "../helpers/harness";

const ADMIN_TOKEN = "admin-token-for-the-tests-0123456789";
let omni: OmniMail;

const createTenant = (body: unknown, token = ADMIN_TOKEN) =>
  fetch(`${omni.apiUrl}/admin/tenants`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  omni = await startOmniMail({ env: { OMNIMAIL_ADMIN_TOKEN: ADMIN_TOKEN } });
});
afterAll(() => omni.stop());

describe("POST /admin/tenants", () => {
  test("201 with the tenant and its first API key, which works at once", async () => {
    const response = await createTenant({ name: "  Acme Inc.  " });
    expect(response.status).toBe(201);
    const tenant = (await response.json()) as Record<string, string>;
    expect(tenant).toEqual({
      id: expect.stringMatching(/^tnt_[0-9A-Z]{26}$/),
      name: "Acme Inc.",
      api_key: expect.stringMatching(/^om_live_[A-Za-z0-9]{32}$/),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const mailboxes = await omni.api("/v1/mailboxes", tenant.api_key ?? "");
    expect(mailboxes.status).toBe(200);
    expect(await mailboxes.json()).toEqual({ data: [], next_cursor: null });
  });

  test("401 problem+json for a wrong or missing token", async () => {
    for (const token of ["wrong-token-wrong-token-wrong", `${ADMIN_TOKEN}x`, ADMIN_TOKEN.slice(0, -1), ""]) {
      const response = await createTenant({ name: "x" }, token);
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
  });

  test("a tenant's API key is not an admin token", async () => {
    const tenant = (await (await createTenant({ name: "Globex" })).json()) as { api_key: string };
    expect((await createTenant({ name: "y" }, tenant.api_key)).status).toBe(401);
  });

  test("bodies are validated: 400 naming the field, unknown fields refused", async () => {
    const cases: Array<[unknown, string]> = [
      [{}, "body.name"],
      [{ name: "" }, "body.name"],
      [{ name: 7 }, "body.name"],
      [{ name: "x".repeat(201) }, "body.name"],
      [{ name: "ok", plan: "gold" }, "body.plan"],
    ];
    for (const [body, location] of cases) {
      const response = await createTenant(body);
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { errors: Array<{ location: string }> };
      expect(problem.errors.map((e) => e.location)).toContain(location);
    }
  });

  test("with no OMNIMAIL_ADMIN_TOKEN the admin routes do not exist: 404", async () => {
    const app = createApp({
      store: omni.store,
      logger: createLogger("silent", "test"),
      publicUrl: "http://omnimail.test",
    });
    const response = await app.request("/admin/tenants", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "x" }),
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });
});
