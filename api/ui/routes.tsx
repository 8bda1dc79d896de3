// Per file, not only in tsconfig: Bun reads tsconfig from the working directory, which for `npm start` may be anywhere.
/** @jsxImportSource hono/jsx */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { CLIENT_SCRIPT } from "./client-script";
import { INBOX_SECURITY_HEADERS } from "./csp";
import { InboxPage, Logo } from "./shell";
import { INBOX_CSS } from "./styles";

/**
 * The web inbox: GET / (one server-rendered page) and its three static assets.
 * Web APIs only, so Bun and Workers serve it alike; nothing is built at run time
 * (the client script is bundled ahead, see tests/ui/build-client.ts).
 */

/** FNV-1a, enough to bust caches when an asset changes. */
function versionOf(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

const SCRIPT_VERSION = versionOf(CLIENT_SCRIPT);
const STYLE_VERSION = versionOf(INBOX_CSS);

function cacheFor(requested: string | undefined, version: string): string {
  return requested === version ? "public, max-age=31536000, immutable" : "no-cache";
}

export function registerInboxUi(app: OpenAPIHono<AppEnv>): void {
  let page: Promise<string> | null = null;

  app.get("/", async (c) => {
    page ??= Promise.resolve(
      (
        <InboxPage scriptUrl={`/ui/app.js?v=${SCRIPT_VERSION}`} styleUrl={`/ui/app.css?v=${STYLE_VERSION}`} />
      ).toString(),
    ).then((html) => `<!doctype html>${html}`);
    return c.html(await page, 200, { ...INBOX_SECURITY_HEADERS, "Cache-Control": "no-cache" });
  });

  app.get("/ui/app.js", (c) =>
    c.body(CLIENT_SCRIPT, 200, {
      ...INBOX_SECURITY_HEADERS,
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": cacheFor(c.req.query("v"), SCRIPT_VERSION),
    }),
  );

  app.get("/ui/app.css", (c) =>
    c.body(INBOX_CSS, 200, {
      ...INBOX_SECURITY_HEADERS,
      "Content-Type": "text/css; charset=utf-8",
      "Cache-Control": cacheFor(c.req.query("v"), STYLE_VERSION),
    }),
  );

  let icon: Promise<string> | null = null;
  app.get("/ui/icon.svg", async (c) => {
    icon ??= Promise.resolve((<Logo size={32} />).toString()).then((svg) =>
      svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" '),
    );
    return c.body(await icon, 200, {
      ...INBOX_SECURITY_HEADERS,
      "Content-Type": "image/svg+xml",
      "Cache-Control": "public, max-age=86400",
    });
  });
}
