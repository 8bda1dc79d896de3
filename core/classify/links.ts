import { breaksLine } from "../content/html-text";
import { forEachHtmlToken } from "../content/html-tokens";
import { isNeverShown } from "../content/html-tree";

/**
 * The http(s) links of a message: the `<a href>` anchors of its HTML, with
 * their visible text, then the bare URLs of its plain text.
 *
 * The HTML is read by the tokenizer the content converters use
 * (core/content/html-tokens.ts), so an anchor, an attribute or a character
 * reference reads here as it reads in `htmlToText`. It is one forward pass:
 * a tag or quoted value cut off by the end of the input is dropped, so
 * hostile input such as megabytes of `<a` costs one pass. Text URLs are found
 * the same way, one run at a time.
 */

export interface MessageLink {
  url: string;
  /** The anchor's visible text, entities decoded, whitespace collapsed; empty for a bare URL. */
  text: string;
}

/** Links kept from one message. */
const LINK_LIMIT = 200;
/** Longer is not a link anyone follows; skipping it keeps a hostile run from being copied around. */
const URL_LIMIT = 8_192;
/** Characters of an anchor's text gathered before it is collapsed. */
const ANCHOR_TEXT_LIMIT = 1_000;
/** Characters of an anchor's text kept. */
const ANCHOR_TEXT_KEEP = 300;

/**
 * Whether a start tag opens an element whose content is not shown, so that
 * neither its text nor its anchors are read: the elements `htmlToText` never
 * shows (core/content/html-tree.ts), and as there `<x/>` holds nothing. The
 * head is left to the tree, which ends it where body content starts; an
 * anchor is body content, so no link is ever in it.
 */
function opensHidden(token: { name: string; selfClosing: boolean }): boolean {
  return !token.selfClosing && token.name !== "head" && isNeverShown(token.name);
}

/**
 * Whether an element parts the words of an anchor's text: where `htmlToText`
 * breaks a line ("Sign<br>in" reads as "Sign in"), and at an image.
 */
function partsWords(name: string): boolean {
  return name === "img" || breaksLine(name);
}

function collapse(value: string): string {
  return value.replace(/[\s\u00A0\u200B-\u200D\u00AD]+/g, " ").trim();
}

/** An href as a browser resolves it without a base (references already decoded): spaces and line breaks out. */
function httpUrl(href: string): string | null {
  const url = href.replace(/[\t\n\r]/g, "").trim();
  if (url.length > URL_LIMIT || !/^https?:\/\/[^\s/?#\\]/i.test(url)) return null;
  return url;
}

interface OpenAnchor {
  link: MessageLink | null;
  parts: string[];
  length: number;
  alt: string;
}

function anchorsOf(html: string, take: (url: string) => MessageLink | null): void {
  let open: OpenAnchor | null = null;
  const append = (text: string) => {
    if (open === null || open.link === null || open.length >= ANCHOR_TEXT_LIMIT) return;
    const piece = text.slice(0, ANCHOR_TEXT_LIMIT - open.length);
    open.parts.push(piece);
    open.length += piece.length;
  };
  const close = () => {
    if (open?.link) {
      const text = collapse(open.parts.join(""));
      open.link.text = (text === "" ? collapse(open.alt) : text).slice(0, ANCHOR_TEXT_KEEP);
    }
    open = null;
  };
  // The element whose content is not shown that we are inside, and how deep its name nests in itself.
  let hiddenBy: string | null = null;
  let hiddenDepth = 0;

  forEachHtmlToken(html, (token) => {
    if (hiddenBy !== null) {
      if (token.type === "start" && token.name === hiddenBy && !token.selfClosing) hiddenDepth++;
      else if (token.type === "end" && token.name === hiddenBy && --hiddenDepth === 0) hiddenBy = null;
      return;
    }
    if (token.type === "text") {
      append(token.text);
      return;
    }
    if (token.name === "a") {
      close();
      if (token.type === "start") {
        const href = token.attributes?.get("href");
        const url = href === undefined ? null : httpUrl(href);
        open = { link: url === null ? null : take(url), parts: [], length: 0, alt: "" };
      }
      return;
    }
    if (token.type === "start" && opensHidden(token)) {
      hiddenBy = token.name;
      hiddenDepth = 1;
      return;
    }
    if (open === null) return;
    if (partsWords(token.name)) append(" ");
    if (token.type === "start" && token.name === "img" && open.alt === "") {
      open.alt = token.attributes?.get("alt") ?? "";
    }
  });
  close();
}

/** Characters a bare URL never contains: it ends at the first one (space, <>"`, CJK punctuation). */
function endsUrl(code: number): boolean {
  if (code <= 0x20) return true;
  if (code < 0x80) return code === 0x3c || code === 0x3e || code === 0x22 || code === 0x60 || code === 0x7f;
  return (
    code === 0xa0 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x3000 && code <= 0x3003) ||
    (code >= 0x3008 && code <= 0x3011) ||
    code === 0xff08 ||
    code === 0xff09 ||
    code === 0xff0c
  );
}
const TRAILING = new Set([".", ",", ";", ":", "!", "?", "'", '"', ")", "]"]);

/** The URL without the punctuation after it: a ")" or "]" stays when it closes one opened inside. */
function trimTrailing(url: string): string {
  let opens = 0;
  let closes = 0;
  let squareOpens = 0;
  let squareCloses = 0;
  for (const char of url) {
    if (char === "(") opens++;
    else if (char === ")") closes++;
    else if (char === "[") squareOpens++;
    else if (char === "]") squareCloses++;
  }
  let end = url.length;
  while (end > 0) {
    const char = url.charAt(end - 1);
    if (!TRAILING.has(char)) break;
    if (char === ")") {
      if (closes <= opens) break;
      closes--;
    } else if (char === "]") {
      if (squareCloses <= squareOpens) break;
      squareCloses--;
    }
    end--;
  }
  return url.slice(0, end);
}

function textUrlsOf(text: string, take: (url: string) => MessageLink | null): void {
  const scheme = /https?:\/\//gi;
  let match = scheme.exec(text);
  while (match !== null) {
    const start = match.index;
    let end = start + match[0].length;
    while (end < text.length && !endsUrl(text.charCodeAt(end))) end++;
    scheme.lastIndex = end;
    const raw = text.slice(start, end);
    if (raw.length <= URL_LIMIT) {
      const url = trimTrailing(raw);
      if (/^https?:\/\/[^\s/?#\\]/i.test(url)) take(url);
    }
    match = scheme.exec(text);
  }
}

/**
 * The message's http(s) links in document order: HTML anchors first (text:
 * what the anchor shows, or its image's alt), then bare URLs of the text that
 * the anchors did not already give. Each URL once, the first occurrence
 * winning; `javascript:`, `data:`, `cid:`, `mailto:` and relative links are
 * left out; at most 200.
 */
export function extractLinks(input: { html: string | null; text: string | null }): MessageLink[] {
  const links: MessageLink[] = [];
  const seen = new Set<string>();
  const take = (url: string, text: string): MessageLink | null => {
    if (seen.has(url) || links.length >= LINK_LIMIT) return null;
    seen.add(url);
    const link = { url, text };
    links.push(link);
    return link;
  };
  if (input.html !== null) anchorsOf(input.html, (url) => take(url, ""));
  if (input.text !== null && links.length < LINK_LIMIT) textUrlsOf(input.text, (url) => take(url, ""));
  return links;
}
