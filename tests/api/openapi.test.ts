import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { compileErrors, validate } from "@readme/openapi-parser";
import { type OmniMail, startOmniMail } from "../helpers/harness";

let omni: OmniMail;
let document: Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

beforeAll(async () => {
  omni = await startOmniMail();
  document = (await (await fetch(`${omni.apiUrl}/openapi.json`)).json()) as typeof document;
});
afterAll(() => omni.stop());

describe("GET /openapi.json", () => {
  test("is a valid OpenAPI 3.1 document (checked by a standard validator)", async () => {
    expect(document.openapi).toBe("3.1.0");
    // The validator dereferences in place: give it a copy.
    const result = await validate(structuredClone(document) as never);
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.valid).toBe(true);
  });

  test("documents every route the app serves under /v1 and /admin", () => {
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const served = omni.app.routes
      .filter((route) => route.method !== "ALL" && /^\/(v1|admin)\//.test(route.path))
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
    expect(served.length).toBeGreaterThan(15);
    expect(served.filter((route) => !documented.has(route))).toEqual([]);
  });
});

describe("GET /docs", () => {
  test("a readable reference of every operation, with nothing loaded from elsewhere", async () => {
    const response = await fetch(`${omni.apiUrl}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await response.text();
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of Object.keys(item)) {
        const anchor = `op-${method}-${path.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
        expect(html).toContain(`id="${anchor}"`);
      }
    }
    // No script, no stylesheet or font from a CDN: the page works offline.
    expect(html).not.toMatch(/<script|<link\b|@import|src="http/i);
    expect(html).toContain("curl -X POST");
  });
});
