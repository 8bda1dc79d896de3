import { forEachHtmlToken } from "./html-tokens";

/**
 * A forgiving tree over the tokens of html-tokens.ts, for the converters in this
 * folder. It is not the HTML standard's tree construction: it closes what mail
 * needs closed (a `<p>` by the next block, an `<li>` by the next item, a cell by
 * the next cell or row, a link by the next link) and ignores end tags that
 * match nothing. Three bounds keep hostile markup linear:
 *
 * - Depth is capped at `MAX_DEPTH` (Chromium's parser caps DOM depth at 512 for
 *   the same reason): past it an element is open for its end tag to match but
 *   is not built, its content going to the element at the cap; only void
 *   elements and hidden ones (whose content must stay hidden) are built there,
 *   one level deeper. So the recursive renderers never go deeper than that,
 *   and megabytes of nested tags cost a list of names, not a million objects.
 * - An end tag with no open element of its name is dropped in O(1) (a count per
 *   name), and one that matches pops the elements above it, each once.
 * - Implied closes look at most `IMPLIED_CLOSE_WINDOW` elements down the stack.
 */

export interface HtmlElement {
  /** Lower-cased tag name; `#root` for the document. */
  name: string;
  attributes: Map<string, string> | null;
  children: HtmlNode[];
  parent: HtmlElement | null;
  depth: number;
}

/** An element, or text with its references decoded. */
export type HtmlNode = HtmlElement | string;

/** Elements nested deeper than this are not built (see above). */
export const MAX_DEPTH = 512;

/** How far down the open elements an implied close looks (HTML's "scope" searches, bounded). */
const IMPLIED_CLOSE_WINDOW = 32;

const VOID = new Set([
  "area",
  "base",
  "basefont",
  "bgsound",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "image",
  "input",
  "keygen",
  "link",
  "meta",
  "param",
  "source",
  "track",
  "wbr",
]);

/** Start tags that close an open `<p>` (HTML's "close a p element"). */
const CLOSES_P = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "center",
  "details",
  "dialog",
  "dir",
  "div",
  "dl",
  "dd",
  "dt",
  "fieldset",
  "figcaption",
  "figure",
  "footer",
  "form",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "header",
  "hgroup",
  "hr",
  "li",
  "main",
  "menu",
  "nav",
  "ol",
  "p",
  "pre",
  "section",
  "summary",
  "table",
  "ul",
]);

/** For a start tag: which open element it closes, and the elements the search for it stops at. */
const IMPLIED_CLOSES = new Map<string, { closes: string[]; stopsAt: string[] }>(
  Object.entries({
    li: { closes: ["li"], stopsAt: ["ul", "ol", "menu", "dir", "table"] },
    dt: { closes: ["dt", "dd"], stopsAt: ["dl", "table"] },
    dd: { closes: ["dt", "dd"], stopsAt: ["dl", "table"] },
    tr: { closes: ["tr"], stopsAt: ["table"] },
    td: { closes: ["td", "th"], stopsAt: ["tr", "table"] },
    th: { closes: ["td", "th"], stopsAt: ["tr", "table"] },
    thead: { closes: ["thead", "tbody", "tfoot"], stopsAt: ["table"] },
    tbody: { closes: ["thead", "tbody", "tfoot"], stopsAt: ["table"] },
    tfoot: { closes: ["thead", "tbody", "tfoot"], stopsAt: ["table"] },
    option: { closes: ["option"], stopsAt: ["select", "datalist"] },
    a: { closes: ["a"], stopsAt: ["table", "td", "th"] },
  }),
);

const HEAD_CONTENT = new Set([
  "head",
  "meta",
  "link",
  "title",
  "style",
  "script",
  "base",
  "noscript",
  "template",
]);

const P_STOPS = ["button", "table", "td", "th", "li", "blockquote", "div"];

/** Parses `html` into a tree. Never throws. */
export function parseHtml(html: string): HtmlElement {
  const root: HtmlElement = { name: "#root", attributes: null, children: [], parent: null, depth: 0 };
  // The open elements, as entries: a name, the element that takes the content (itself, or past the
  // depth cap the element at the cap), and how many elements of that name the entry stands for (past
  // the cap, a run of one name nested in itself is one entry: five megabytes of `<div>` are one).
  const names: string[] = ["#root"];
  const hosts: HtmlElement[] = [root];
  const runs: number[] = [1];
  const openCounts = new Map<string, number>();

  /** Closes the nearest element of entry `index` and every element above it. */
  const popThrough = (index: number): void => {
    while (names.length > index + 1) {
      const name = names.pop() ?? "";
      hosts.pop();
      openCounts.set(name, (openCounts.get(name) ?? 0) - (runs.pop() ?? 1));
    }
    const name = names[index] ?? "";
    openCounts.set(name, (openCounts.get(name) ?? 1) - 1);
    const run = (runs[index] ?? 1) - 1;
    if (run > 0) {
      runs[index] = run;
      return;
    }
    names.pop();
    hosts.pop();
    runs.pop();
  };
  const isOpen = (name: string): boolean => (openCounts.get(name) ?? 0) > 0;
  /** The stack index of the nearest open element in `wanted`, looking no further than a stop or the window. */
  const findOpen = (wanted: string[], stopsAt: string[]): number => {
    const lowest = Math.max(1, names.length - IMPLIED_CLOSE_WINDOW);
    for (let index = names.length - 1; index >= lowest; index--) {
      const name = names[index] ?? "";
      if (wanted.includes(name)) return index;
      if (stopsAt.includes(name)) return -1;
    }
    return -1;
  };
  /** Pops through the nearest open `name`, searching from the top: what is passed is popped, once. */
  const closeNearest = (name: string): void => {
    for (let index = names.length - 1; index >= 1; index--) {
      if (names[index] === name) {
        popThrough(index);
        return;
      }
    }
  };

  forEachHtmlToken(html, (token) => {
    // A `<head>` ends where body content starts, even with no `<body>` tag (mail often has none).
    if (
      isOpen("head") &&
      ((token.type === "start" && !HEAD_CONTENT.has(token.name)) ||
        (token.type === "text" && names[names.length - 1] === "head" && token.text.trim() !== ""))
    ) {
      closeNearest("head");
    }
    const host = hosts[hosts.length - 1] ?? root;
    if (token.type === "text") {
      const last = host.children[host.children.length - 1];
      if (typeof last === "string") host.children[host.children.length - 1] = last + token.text;
      else host.children.push(token.text);
      return;
    }
    if (token.type === "end") {
      // `</br>` is a line break in every browser.
      if (token.name === "br") appendElement(host, "br", null);
      else if (isOpen(token.name)) closeNearest(token.name);
      return;
    }
    const { name, attributes } = token;
    if (CLOSES_P.has(name) && isOpen("p")) {
      const open = findOpen(["p"], P_STOPS);
      if (open !== -1) popThrough(open);
    }
    const implied = IMPLIED_CLOSES.get(name);
    if (implied?.closes.some(isOpen)) {
      const open = findOpen(implied.closes, implied.stopsAt);
      if (open !== -1) popThrough(open);
    }
    const parent = hosts[hosts.length - 1] ?? root;
    const isVoid = VOID.has(name) || token.selfClosing;
    // Past the cap only what hides content (and void elements, leaves) becomes an element; the rest
    // is open for matching end tags only, its content going to the element at the cap.
    const past = parent.depth >= MAX_DEPTH;
    const element =
      past && !isVoid && (parent.depth > MAX_DEPTH || !hidesContent(name, attributes))
        ? null
        : appendElement(parent, name, attributes);
    if (isVoid) return;
    openCounts.set(name, (openCounts.get(name) ?? 0) + 1);
    const top = names.length - 1;
    if (element === null && names[top] === name && hosts[top] === parent && parent.depth >= MAX_DEPTH) {
      runs[top] = (runs[top] ?? 0) + 1;
      return;
    }
    names.push(name);
    hosts.push(element ?? parent);
    runs.push(1);
  });
  return root;
}

function appendElement(
  parent: HtmlElement,
  name: string,
  attributes: Map<string, string> | null,
): HtmlElement {
  const element: HtmlElement = { name, attributes, children: [], parent, depth: parent.depth + 1 };
  parent.children.push(element);
  return element;
}

/** Whether an element with this name and these attributes would be hidden (see `isHidden`). */
function hidesContent(name: string, attributes: Map<string, string> | null): boolean {
  if (attributes === null) return NOT_SHOWN.has(name);
  return isHidden({ name, attributes, children: [], parent: null, depth: 0 });
}

/** An attribute's value, or null. */
export function attributeOf(element: HtmlElement, name: string): string | null {
  return element.attributes?.get(name) ?? null;
}

/** Whether `class` lists `name`. */
export function hasClass(element: HtmlElement, name: string): boolean {
  const value = attributeOf(element, "class");
  if (value === null || !value.includes(name)) return false;
  return value.split(/[\t\n\f\r ]+/).includes(name);
}

/** The `style` attribute as lower-cased property → value (trimmed, lower-cased). */
export function styleOf(element: HtmlElement): Map<string, string> {
  const declarations = new Map<string, string>();
  const style = attributeOf(element, "style");
  if (style === null) return declarations;
  for (const declaration of style.split(";")) {
    const colon = declaration.indexOf(":");
    if (colon === -1) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    if (property !== "")
      declarations.set(
        property,
        declaration
          .slice(colon + 1)
          .trim()
          .toLowerCase(),
      );
  }
  return declarations;
}

/** Elements whose content is never shown as text. */
const NOT_SHOWN = new Set([
  "head",
  "title",
  "script",
  "style",
  "template",
  "noembed",
  "noframes",
  "iframe",
  "object",
  "select",
]);

/** Whether an element of this name never shows what it holds, whatever its attributes. */
export function isNeverShown(name: string): boolean {
  return NOT_SHOWN.has(name);
}

/**
 * Whether an element and what it holds are not shown: one of `NOT_SHOWN`, the
 * `hidden` attribute, or a style with `display:none`, `visibility:hidden` or
 * Outlook's `mso-hide:all` (mail hides preview text and alternate layouts so).
 */
export function isHidden(element: HtmlElement): boolean {
  if (NOT_SHOWN.has(element.name)) return true;
  if (element.attributes === null) return false;
  if (element.attributes.has("hidden")) return true;
  if (!element.attributes.has("style")) return false;
  const style = styleOf(element);
  return (
    (style.get("display") ?? "").startsWith("none") ||
    /^(?:hidden|collapse)\b/.test(style.get("visibility") ?? "") ||
    (style.get("mso-hide") ?? "").startsWith("all")
  );
}

/** A pixel length from an attribute (`1`, `1px`) or a style value; null when absent or not in pixels. */
function pixels(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*(?:!important)?\s*$/i.exec(value);
  return match ? Number(match[1]) : null;
}

const TRACKING_SOURCE = /(?:\/open|\/track|pixel|beacon|\/o\.gif|\/wf\/open|\/e\/o\/)/i;

/**
 * Whether an image is an open-tracking pixel or a spacer, not content: hidden,
 * or declared (attribute or style) at most 1 px wide or high; or, with a source
 * that looks like an open tracker, declared at most 3×3. An image with no size
 * evidence is kept whatever its source: we would rather show a pixel than drop
 * a picture.
 */
export function isTrackingPixel(image: HtmlElement): boolean {
  if (isHidden(image)) return true;
  const style = styleOf(image);
  const width = pixels(attributeOf(image, "width")) ?? pixels(style.get("width"));
  const height = pixels(attributeOf(image, "height")) ?? pixels(style.get("height"));
  if ((width !== null && width <= 1) || (height !== null && height <= 1)) return true;
  const source = attributeOf(image, "src") ?? "";
  return width !== null && height !== null && width <= 3 && height <= 3 && TRACKING_SOURCE.test(source);
}

const BLOCK_IN_CELL = new Set(["h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "pre", "hr"]);
const PARAGRAPH_IN_CELL = new Set(["p", "div"]);

export interface TableShape {
  rows: HtmlElement[][];
  /** A `<th>` in the first row, or a `<thead>` with a row. */
  hasHeader: boolean;
  columns: number;
  /**
   * Laid out, not data: `role="presentation"`/`"none"`, a nested table, one
   * column, text outside the cells, or a cell holding block content (a heading,
   * a list, a quote, or two paragraphs).
   */
  layout: boolean;
}

/** The rows and cells of a table (not of the tables inside it), and whether it lays out rather than tabulates. */
export function shapeOfTable(table: HtmlElement): TableShape {
  const rows: HtmlElement[][] = [];
  let hasHeader = false;
  let strayText = false;
  const addRow = (row: HtmlElement, inHead: boolean): void => {
    const cells: HtmlElement[] = [];
    for (const child of row.children) {
      if (typeof child === "string") strayText ||= child.trim() !== "";
      else if (child.name === "td" || child.name === "th") cells.push(child);
    }
    if (rows.length === 0 && (inHead || cells.some((cell) => cell.name === "th"))) hasHeader = true;
    rows.push(cells);
  };
  for (const child of table.children) {
    if (typeof child === "string") {
      strayText ||= child.trim() !== "";
      continue;
    }
    if (child.name === "tr") addRow(child, false);
    else if (child.name === "thead" || child.name === "tbody" || child.name === "tfoot") {
      for (const row of child.children) {
        if (typeof row === "string") strayText ||= row.trim() !== "";
        else if (row.name === "tr") addRow(row, child.name === "thead");
      }
    }
  }
  let columns = 0;
  for (const cells of rows) {
    let width = 0;
    for (const cell of cells) width += Math.max(1, Math.min(100, Number(attributeOf(cell, "colspan")) || 1));
    columns = Math.max(columns, width);
  }
  const role = (attributeOf(table, "role") ?? "").trim().toLowerCase();
  const layout =
    role === "presentation" ||
    role === "none" ||
    columns < 2 ||
    strayText ||
    rows.some((cells) => cells.some(holdsBlocks));
  return { rows, hasHeader, columns, layout };
}

/**
 * Whether a cell holds a table, a heading, a list, a quote or two paragraphs
 * with text. Stops at the first table it meets, so each element is visited by
 * the search of its nearest enclosing table only: linear over the document.
 */
function holdsBlocks(cell: HtmlElement): boolean {
  let paragraphs = 0;
  const pending: HtmlNode[] = [...cell.children].reverse();
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === undefined || typeof node === "string") continue;
    if (node.name === "table" || BLOCK_IN_CELL.has(node.name)) return true;
    if (PARAGRAPH_IN_CELL.has(node.name) && node.parent === cell && hasText(node) && ++paragraphs >= 2) {
      return true;
    }
    for (let index = node.children.length - 1; index >= 0; index--) {
      const child = node.children[index];
      if (child !== undefined) pending.push(child);
    }
  }
  return false;
}

function hasText(element: HtmlElement): boolean {
  return element.children.some((child) => (typeof child === "string" ? child.trim() !== "" : hasText(child)));
}
