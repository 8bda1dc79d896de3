import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CLIENT_SCRIPT } from "../../api/ui/client-script";
import { buildClientScript } from "../../runtime/ui-client-build";
import { type OmniMail, startOmniMail } from "../helpers/harness";

/** The inbox page and its assets over HTTP (no browser): freshness, size, and the headers that contain it. */

let omni: OmniMail;
beforeAll(async () => {
  omni = await startOmniMail();
});
afterAll(() => omni.stop());

describe("the inbox's client script", () => {
  test("the committed bundle is built from api/ui/client (run `npm run ui:build` after editing it)", async () => {
    expect(CLIENT_SCRIPT === (await buildClientScript())).toBe(true);
  });

  test("is small: under 100 KB", () => {
    expect(new TextEncoder().encode(CLIENT_SCRIPT).length).toBeLessThan(100 * 1024);
  });

  test("never parses markup in the inbox's origin (no innerHTML, no document.write, no eval)", () => {
    expect(CLIENT_SCRIPT).not.toMatch(
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/,
    );
  });
});

describe("GET /", () => {
  test("serves the page without a key, with a strict CSP and no inline script or handler", async () => {
    const response = await fetch(`${omni.apiUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const csp = response.headers.get("content-security-policy") ?? "";
    const directives = new Map(
      csp.split(";").map((part) => {
        const [name = "", ...values] = part.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get("default-src")).toEqual(["'none'"]);
    expect(directives.get("script-src")).toEqual(["'self'"]);
    expect(directives.get("connect-src")).toEqual(["'self'"]);
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    expect(directives.get("form-action")).toEqual(["'none'"]);
    expect(directives.get("require-trusted-types-for")).toEqual(["'script'"]);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");

    const html = await response.text();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(1);
    expect(scripts[0]?.[0]).toMatch(/src="\/ui\/app\.js\?v=\w+"/);
    expect(scripts[0]?.[1]).toBe("");
    expect(html).not.toMatch(/\son[a-z]+=/i);
    // The key input has no name: a form can never put it in a URL.
    expect(html).toMatch(/<input id="api-key"(?![^>]*\sname=)[^>]*>/);
  });

  test("serves the script and stylesheet, cached for good under their version", async () => {
    const html = await (await fetch(`${omni.apiUrl}/`)).text();
    const scriptUrl = /src="(\/ui\/app\.js\?v=\w+)"/.exec(html)?.[1];
    const styleUrl = /href="(\/ui\/app\.css\?v=\w+)"/.exec(html)?.[1];
    const script = await fetch(`${omni.apiUrl}${scriptUrl}`);
    expect(script.headers.get("content-type")).toContain("text/javascript");
    expect(script.headers.get("cache-control")).toContain("immutable");
    expect(await script.text()).toBe(CLIENT_SCRIPT);
    const style = await fetch(`${omni.apiUrl}${styleUrl}`);
    expect(style.headers.get("content-type")).toContain("text/css");
    expect((await fetch(`${omni.apiUrl}/ui/app.js?v=old`)).headers.get("cache-control")).toBe("no-cache");
    expect((await fetch(`${omni.apiUrl}/ui/icon.svg`)).headers.get("content-type")).toBe("image/svg+xml");
  });

  test("the sign-in form says how to get a new key when the first one is lost", async () => {
    const html = await (await fetch(`${omni.apiUrl}/`)).text();
    const signIn = /<main id="signin"[\s\S]*?<\/main>/.exec(html)?.[0] ?? "";
    expect(signIn).toContain("Lost the key? <code>npm run omnimail -- keys create</code> makes a new one");
  });

  test("the API still wants its key", async () => {
    expect((await fetch(`${omni.apiUrl}/v1/mailboxes`)).status).toBe(401);
  });
});
