import { decodeHtmlEntities } from "./html-entities";

/**
 * A small, tolerant HTML tokenizer for mail bodies: tags with their attributes,
 * text with its character references decoded, and nothing else (comments,
 * doctypes and processing instructions are dropped; CDATA is text).
 *
 * It follows the HTML standard's tokenizer where mail depends on it (a `<` that
 * opens no tag is text; a tag or quoted value cut off by the end of the input is
 * dropped; `<script>` and `<style>` hold raw text up to their end tag) and is
 * simpler elsewhere. It never throws, and every step moves forward through the
 * input with `indexOf` or a loop over character codes: linear time, so
 * hostile markup (megabytes of `<` or of unclosed quotes) costs what its length
 * costs. Web APIs only.
 */

export type HtmlToken =
  | { type: "text"; text: string }
  | { type: "start"; name: string; attributes: Map<string, string> | null; selfClosing: boolean }
  | { type: "end"; name: string };

/** Elements whose content is raw text up to their end tag; `decode`: references are decoded (RCDATA). */
const RAW_TEXT = new Map<string, { decode: boolean }>([
  ["script", { decode: false }],
  ["style", { decode: false }],
  ["xmp", { decode: false }],
  ["noembed", { decode: false }],
  ["noframes", { decode: false }],
  ["title", { decode: true }],
  ["textarea", { decode: true }],
]);

function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** HTML's ASCII whitespace: tab, LF, FF, CR, space. */
function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 12 || code === 13;
}

function skipSpaces(input: string, from: number): number {
  let position = from;
  while (position < input.length && isSpace(input.charCodeAt(position))) position++;
  return position;
}

const rawTextEnds = new Map<string, RegExp>();

function rawTextEnd(name: string): RegExp {
  let pattern = rawTextEnds.get(name);
  if (!pattern) {
    pattern = new RegExp(`</${name}[\\t\\n\\f\\r />]`, "gi");
    rawTextEnds.set(name, pattern);
  }
  return pattern;
}

/** Calls `visit` with each token of `html`, in order. */
export function forEachHtmlToken(html: string, visit: (token: HtmlToken) => void): void {
  const length = html.length;
  let position = 0;
  let textStart = 0;
  const flushText = (end: number): void => {
    if (end > textStart) visit({ type: "text", text: decodeHtmlEntities(html.slice(textStart, end)) });
  };
  while (position < length) {
    const open = html.indexOf("<", position);
    if (open === -1) break;
    const next = html.charCodeAt(open + 1);
    const isEnd = next === 47; // "/"
    if (isAsciiLetter(next) || (isEnd && isAsciiLetter(html.charCodeAt(open + 2)))) {
      flushText(open);
      const tag = readTag(html, open + (isEnd ? 2 : 1));
      position = tag.end;
      textStart = position;
      if (tag.name === null) continue; // cut off by the end of the input: dropped, as HTML does
      if (isEnd) {
        visit({ type: "end", name: tag.name });
        continue;
      }
      visit({ type: "start", name: tag.name, attributes: tag.attributes, selfClosing: tag.selfClosing });
      const raw = RAW_TEXT.get(tag.name);
      if (raw) {
        const endPattern = rawTextEnd(tag.name);
        endPattern.lastIndex = position;
        const found = endPattern.exec(html);
        const contentEnd = found ? found.index : length;
        const content = html.slice(position, contentEnd);
        if (content !== "") visit({ type: "text", text: raw.decode ? decodeHtmlEntities(content) : content });
        visit({ type: "end", name: tag.name });
        const close = found ? html.indexOf(">", contentEnd) : -1;
        position = close === -1 ? length : close + 1;
        textStart = position;
      }
      continue;
    }
    if (next === 33 /* "!" */ || next === 63 /* "?" */ || isEnd) {
      flushText(open);
      const markup = readMarkupDeclaration(html, open);
      if (markup.cdata !== null && markup.cdata !== "") visit({ type: "text", text: markup.cdata });
      position = markup.end;
      textStart = position;
      continue;
    }
    // A "<" that opens nothing ("a < b", "<3") is text.
    position = open + 1;
  }
  flushText(length);
}

/** The tokens of `html` as a list (for tests and small inputs; the converters use `forEachHtmlToken`). */
export function tokenizeHtml(html: string): HtmlToken[] {
  const tokens: HtmlToken[] = [];
  forEachHtmlToken(html, (token) => tokens.push(token));
  return tokens;
}

interface ReadTag {
  /** Lower-cased; null when the input ended inside the tag. */
  name: string | null;
  attributes: Map<string, string> | null;
  selfClosing: boolean;
  end: number;
}

/** Slots of the name cache: raw spelling and lower-cased name, by a hash of the spelling. */
const NAME_SLOTS = 1024;
const cachedRaw: Array<string | undefined> = new Array(NAME_SLOTS);
const cachedName: Array<string | undefined> = new Array(NAME_SLOTS);

/**
 * The lower-cased name spelled at `from`…`to` of `input`, from a small cache when
 * it was seen before: a million `<div>` then cost no substring, no lower-casing
 * and one "div" for the tree to hash, instead of a million copies of it.
 */
function nameAt(input: string, from: number, to: number, hash: number, upper: boolean): string {
  const slot = hash & (NAME_SLOTS - 1);
  const raw = cachedRaw[slot];
  if (raw !== undefined && raw.length === to - from && input.startsWith(raw, from))
    return cachedName[slot] ?? raw;
  const spelled = input.slice(from, to);
  const name = upper ? spelled.toLowerCase() : spelled;
  // Only short names are kept: a cached 1 MB "name" would pin its input.
  if (spelled.length <= 32) {
    cachedRaw[slot] = spelled;
    cachedName[slot] = name;
  }
  return name;
}

/** Reads a tag from its name (just after `<` or `</`) to just after its `>`. */
function readTag(html: string, nameStart: number): ReadTag {
  const length = html.length;
  let position = nameStart;
  let upper = false;
  let hash = 0;
  while (position < length) {
    const code = html.charCodeAt(position);
    if (code === 62 || code === 47 || isSpace(code)) break;
    upper ||= code >= 65 && code <= 90;
    hash = (hash * 31 + code) | 0;
    position++;
  }
  const name = nameAt(html, nameStart, position, hash, upper);
  let attributes: Map<string, string> | null = null;
  while (true) {
    const before = position;
    while (position < length) {
      const code = html.charCodeAt(position);
      if (code !== 47 && !isSpace(code)) break;
      position++;
    }
    if (position >= length) return { name: null, attributes: null, selfClosing: false, end: length };
    if (html.charCodeAt(position) === 62 /* ">" */) {
      const selfClosing = position > before && html.charCodeAt(position - 1) === 47;
      return { name, attributes, selfClosing, end: position + 1 };
    }
    // An attribute name; a leading "=" belongs to it, as in HTML.
    const nameFrom = position;
    let attributeHash = 0;
    let attributeUpper = false;
    if (html.charCodeAt(position) === 61) position++;
    while (position < length) {
      const code = html.charCodeAt(position);
      if (code === 62 || code === 47 || code === 61 || isSpace(code)) break;
      attributeUpper ||= code >= 65 && code <= 90;
      attributeHash = (attributeHash * 31 + code) | 0;
      position++;
    }
    const attributeName = nameAt(html, nameFrom, position, attributeHash, attributeUpper);
    let value = "";
    const afterName = skipSpaces(html, position);
    if (html.charCodeAt(afterName) === 61 /* "=" */) {
      position = skipSpaces(html, afterName + 1);
      const quote = html.charCodeAt(position);
      if (quote === 34 || quote === 39) {
        const close = html.indexOf(quote === 34 ? '"' : "'", position + 1);
        if (close === -1) return { name: null, attributes: null, selfClosing: false, end: length };
        value = html.slice(position + 1, close);
        position = close + 1;
      } else {
        const valueStart = position;
        while (position < length) {
          const code = html.charCodeAt(position);
          if (code === 62 || isSpace(code)) break;
          position++;
        }
        value = html.slice(valueStart, position);
      }
    }
    attributes ??= new Map();
    // The first of two attributes with one name wins, as in HTML.
    if (!attributes.has(attributeName)) attributes.set(attributeName, decodeHtmlEntities(value, true));
  }
}

/** `<!-- -->`, `<![CDATA[ ]]>`, `<!DOCTYPE>`, `<? >` and `</ >` (not a tag): where each ends, and CDATA's text. */
function readMarkupDeclaration(html: string, open: number): { end: number; cdata: string | null } {
  const length = html.length;
  if (html.startsWith("<!--", open)) {
    // "<!-->" and "<!--->" are empty comments, as in HTML.
    if (html.startsWith(">", open + 4)) return { end: open + 5, cdata: null };
    if (html.startsWith("->", open + 4)) return { end: open + 6, cdata: null };
    const close = html.indexOf("-->", open + 4);
    return { end: close === -1 ? length : close + 3, cdata: null };
  }
  if (html.startsWith("<![CDATA[", open)) {
    const close = html.indexOf("]]>", open + 9);
    const end = close === -1 ? length : close;
    return { end: close === -1 ? length : close + 3, cdata: html.slice(open + 9, end) };
  }
  const close = html.indexOf(">", open + 2);
  return { end: close === -1 ? length : close + 1, cdata: null };
}
