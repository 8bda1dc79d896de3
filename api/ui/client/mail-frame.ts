import { h } from "./dom";

/**
 * Mail HTML is hostile until proven otherwise. It is shown only here, in an
 * iframe that:
 * - is sandboxed WITHOUT allow-scripts (no script runs, whatever the markup)
 *   and WITHOUT allow-same-origin (an opaque origin: no access to `parent`,
 *   our storage or cookies, and any request it could make is cross-origin and
 *   carries no API key; the key is only ever in our fetch calls);
 * - gets its content by `srcdoc`, headed by a CSP meta that allows nothing but
 *   inline styles and data: images (remote images only after the reader asks),
 *   so a message cannot even tell its sender that it was opened;
 * - sends no Referer, opens links in a new tab (allow-popups) outside the
 *   sandbox, and cannot submit forms or navigate the inbox (no allow-forms,
 *   no allow-top-navigation).
 * The page's own CSP (api/ui/csp.ts) is inherited by the srcdoc document too.
 */
export const MAIL_FRAME_SANDBOX = "allow-popups allow-popups-to-escape-sandbox";

export function mailFramePolicy(remoteImages: boolean): string {
  const images = remoteImages ? "data: https: http:" : "data:";
  return `default-src 'none'; img-src ${images}; style-src 'unsafe-inline'; font-src data:; form-action 'none'`;
}

/** Does the HTML ask for anything from the network (images, backgrounds)? */
export function hasRemoteContent(html: string): boolean {
  return (
    /\b(?:src|srcset|background|poster)\s*=\s*["']?\s*(?:https?:)?\/\//i.test(html) ||
    /url\(\s*["']?\s*(?:https?:)?\/\//i.test(html)
  );
}

/** Content-Id values as attachments carry them (`<id@host>`) and as HTML cites them (`cid:id@host`). */
export function normalizeContentId(value: string): string {
  return decodeURIComponent(value.trim().replace(/^<|>$/g, "")).toLowerCase();
}

export function mailDocument(
  html: string,
  options: { remoteImages: boolean; inlineImages: Map<string, string> },
): string {
  const body = html.replace(/\bcid:([^"'\s)>]+)/gi, (match, id: string) => {
    try {
      return options.inlineImages.get(normalizeContentId(id)) ?? match;
    } catch {
      return match;
    }
  });
  // Our head comes first: a policy in a later <meta> can only narrow this one.
  return [
    "<!doctype html>",
    `<meta http-equiv="Content-Security-Policy" content="${mailFramePolicy(options.remoteImages)}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="color-scheme" content="light">',
    '<base target="_blank">',
    "<style>html{background:#fff;color:#1f2328}body{margin:16px;font:14px/1.5 system-ui,sans-serif;overflow-wrap:anywhere}img{max-width:100%}</style>",
    body,
  ].join("");
}

interface TrustedTypesFactory {
  createPolicy(
    name: string,
    rules: { createHTML: (input: string) => string },
  ): {
    createHTML(input: string): unknown;
  };
}

let policy: { createHTML(input: string): unknown } | null | undefined;

/**
 * The page requires Trusted Types for every HTML sink; this policy is the only
 * one, and its only use is the sandboxed frame's srcdoc.
 */
function trustedMailHtml(html: string): string {
  policy ??=
    (globalThis as { trustedTypes?: TrustedTypesFactory }).trustedTypes?.createPolicy("omnimail-mail", {
      createHTML: (input) => input,
    }) ?? null;
  return (policy ? policy.createHTML(html) : html) as string;
}

export function createMailFrame(documentHtml: string, title: string): HTMLIFrameElement {
  // The sandbox attribute is set before the content: the document never exists unsandboxed.
  const frame = h("iframe", {
    class: "mail-frame",
    sandbox: MAIL_FRAME_SANDBOX,
    referrerpolicy: "no-referrer",
    title,
  });
  frame.srcdoc = trustedMailHtml(documentHtml);
  return frame;
}
