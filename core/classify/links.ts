/**
 * The http(s) links of a message: the `<a href>` anchors of its HTML, with
 * their visible text, then the bare URLs of its plain text.
 *
 * The HTML is read by one forward scan, never a regular expression over the
 * document, and nothing is read twice: an unclosed tag, quote or comment ends
 * the scan (nothing after it can be markup a browser would show), so hostile
 * input such as megabytes of `<a` costs one pass. Text URLs are found the same
 * way, one run at a time.
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
/** Characters of an anchor's text gathered before it is decoded and collapsed. */
const ANCHOR_TEXT_LIMIT = 1_000;
/** Characters of an anchor's text kept. */
const ANCHOR_TEXT_KEEP = 300;

/** Elements whose content is not text: skipped to their end tag. */
const RAW_TEXT_ELEMENTS = new Set(["script", "style", "title", "textarea", "template", "noscript"]);
/** Elements that break a line: "Sign<br>in" reads as "Sign in". */
const BREAKING_ELEMENTS = new Set([
  "br",
  "p",
  "div",
  "tr",
  "td",
  "th",
  "li",
  "ul",
  "ol",
  "table",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "hr",
  "img",
]);

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00A0",
  copy: "©",
  reg: "®",
  trade: "™",
  hellip: "…",
  ndash: "–",
  mdash: "—",
  lsquo: "‘",
  rsquo: "’",
  sbquo: "‚",
  ldquo: "“",
  rdquo: "”",
  bdquo: "„",
  laquo: "«",
  raquo: "»",
  bull: "•",
  middot: "·",
  euro: "€",
  pound: "£",
  yen: "¥",
  cent: "¢",
  sect: "§",
  deg: "°",
  times: "×",
  zwnj: "\u200C",
  zwj: "\u200D",
  shy: "\u00AD",
};

/** What HTML makes of &#128; … &#159;: the windows-1252 characters at those bytes. */
const WINDOWS_1252_C1: Record<number, number> = {
  128: 0x20ac,
  130: 0x201a,
  131: 0x0192,
  132: 0x201e,
  133: 0x2026,
  134: 0x2020,
  135: 0x2021,
  136: 0x02c6,
  137: 0x2030,
  138: 0x0160,
  139: 0x2039,
  140: 0x0152,
  142: 0x017d,
  145: 0x2018,
  146: 0x2019,
  147: 0x201c,
  148: 0x201d,
  149: 0x2022,
  150: 0x2013,
  151: 0x2014,
  152: 0x02dc,
  153: 0x2122,
  154: 0x0161,
  155: 0x203a,
  156: 0x0153,
  158: 0x017e,
  159: 0x0178,
};

function codePointText(code: number): string {
  const mapped = WINDOWS_1252_C1[code] ?? code;
  if (mapped === 0 || mapped > 0x10ffff || (mapped >= 0xd800 && mapped <= 0xdfff)) return "\uFFFD";
  return String.fromCodePoint(mapped);
}

/** Character references decoded: named (the common ones), decimal and hexadecimal. */
export function decodeEntities(value: string): string {
  if (!value.includes("&")) return value;
  return value.replace(
    /&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,7})|([A-Za-z][A-Za-z0-9]{1,31}));?/g,
    (match, dec, hex, name) => {
      if (dec !== undefined) return codePointText(Number.parseInt(dec, 10));
      if (hex !== undefined) return codePointText(Number.parseInt(hex, 16));
      return NAMED_ENTITIES[String(name).toLowerCase()] ?? match;
    },
  );
}

function collapse(value: string): string {
  return value.replace(/[\s\u00A0\u200B-\u200D\u00AD]+/g, " ").trim();
}

/** An href as a browser resolves it without a base: entities decoded, spaces and line breaks out. */
function httpUrl(raw: string): string | null {
  const url = decodeEntities(raw)
    .replace(/[\t\n\r]/g, "")
    .trim();
  if (url.length > URL_LIMIT || !/^https?:\/\/[^\s/?#\\]/i.test(url)) return null;
  return url;
}

function isNameChar(code: number): boolean {
  // Letters, digits, "-", ":" (o:p, v:shape in Outlook's HTML).
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x2d ||
    code === 0x3a
  );
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || code === 0x0c;
}

const SLASH = 0x2f;
const EQUALS = 0x3d;
const GREATER = 0x3e;

interface Tag {
  name: string;
  closing: boolean;
  /** href and alt, the only attributes read. */
  attributes: Map<string, string>;
  /** Index just past the tag's `>`. */
  end: number;
}

/**
 * The tag at `at` (which holds `<`), or null when it never ends (no `>`
 * outside a quoted value before the end of the input). The attribute loop
 * only moves forward.
 */
function readTag(html: string, at: number): Tag | null | "not-a-tag" {
  let i = at + 1;
  const closing = html[i] === "/";
  if (closing) i++;
  const nameStart = i;
  while (i < html.length && isNameChar(html.charCodeAt(i))) i++;
  if (i === nameStart) return "not-a-tag";
  const name = html.slice(nameStart, i).toLowerCase();
  const attributes = new Map<string, string>();
  const length = html.length;
  while (i < length) {
    const code = html.charCodeAt(i);
    if (code === GREATER) return { name, closing, attributes, end: i + 1 };
    if (isSpace(code) || code === SLASH) {
      i++;
      continue;
    }
    const attrStart = i;
    for (let c = code; i < length; c = html.charCodeAt(++i)) {
      if (isSpace(c) || c === SLASH || c === GREATER || c === EQUALS) break;
    }
    // Only href and alt are kept: other names are not even copied out.
    const nameLength = i - attrStart;
    const attrName = nameLength === 3 || nameLength === 4 ? html.slice(attrStart, i).toLowerCase() : "";
    const wanted = attrName === "href" || attrName === "alt";
    while (i < length && isSpace(html.charCodeAt(i))) i++;
    if (html.charCodeAt(i) !== EQUALS) {
      if (wanted && !attributes.has(attrName)) attributes.set(attrName, "");
      continue;
    }
    i++;
    while (i < length && isSpace(html.charCodeAt(i))) i++;
    const quote = html[i];
    let valueStart = i;
    let valueEnd: number;
    if (quote === '"' || quote === "'") {
      const close = html.indexOf(quote, i + 1);
      if (close === -1) return null;
      valueStart = i + 1;
      valueEnd = close;
      i = close + 1;
    } else {
      while (i < length && !isSpace(html.charCodeAt(i)) && html.charCodeAt(i) !== GREATER) i++;
      valueEnd = i;
    }
    // The first of a repeated attribute counts, as in a browser.
    if (wanted && !attributes.has(attrName)) attributes.set(attrName, html.slice(valueStart, valueEnd));
  }
  return null;
}

/** Index of the end tag `</name` from `from` on, compared without case, or -1. */
function findEndTag(html: string, from: number, name: string): number {
  let at = html.indexOf("</", from);
  while (at !== -1) {
    const candidate = html.slice(at + 2, at + 2 + name.length);
    const after = html.charCodeAt(at + 2 + name.length);
    if (candidate.toLowerCase() === name && !isNameChar(after)) return at;
    at = html.indexOf("</", at + 2);
  }
  return -1;
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
      const text = collapse(decodeEntities(open.parts.join("")));
      open.link.text = (text === "" ? collapse(decodeEntities(open.alt)) : text).slice(0, ANCHOR_TEXT_KEEP);
    }
    open = null;
  };

  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf("<", i);
    if (lt === -1) {
      append(html.slice(i));
      break;
    }
    if (lt > i) append(html.slice(i, lt));
    if (html.startsWith("<!--", lt)) {
      const end = html.indexOf("-->", lt + 4);
      if (end === -1) break;
      i = end + 3;
      continue;
    }
    if (html[lt + 1] === "!" || html[lt + 1] === "?") {
      const end = html.indexOf(">", lt + 2);
      if (end === -1) break;
      i = end + 1;
      continue;
    }
    const tag = readTag(html, lt);
    if (tag === "not-a-tag") {
      append("<");
      i = lt + 1;
      continue;
    }
    if (tag === null) break;
    i = tag.end;
    if (tag.name === "a") {
      close();
      if (!tag.closing) {
        const href = tag.attributes.get("href");
        const url = href === undefined ? null : httpUrl(href);
        open = { link: url === null ? null : take(url), parts: [], length: 0, alt: "" };
      }
      continue;
    }
    if (!tag.closing && RAW_TEXT_ELEMENTS.has(tag.name)) {
      const end = findEndTag(html, i, tag.name);
      if (end === -1) break;
      i = end;
      continue;
    }
    if (open !== null && BREAKING_ELEMENTS.has(tag.name)) append(" ");
    if (open !== null && tag.name === "img" && open.alt === "") open.alt = tag.attributes.get("alt") ?? "";
  }
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
