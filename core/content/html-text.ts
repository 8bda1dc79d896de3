import { BlockWriter } from "./block-writer";
import {
  attributeOf,
  type HtmlElement,
  type HtmlNode,
  isHidden,
  isTrackingPixel,
  parseHtml,
  shapeOfTable,
} from "./html-tree";
import { collapseWhitespace } from "./whitespace";

/**
 * Readable plain text from an HTML mail body, in Web APIs only (it runs on
 * Workers). What a reader sees, laid out as text:
 *
 * - `<p>`, headings, lists, quotes, tables and `<pre>` are paragraphs, one
 *   blank line apart. `<div>` and its kin end a line only, as in a browser
 *   (they have no margin): Gmail, Outlook and Apple Mail write each line of a
 *   message as a `<div>` and a blank line as `<div><br></div>`.
 * - `<br>` ends a line; lists are `- item` / `1. item`, nested ones indented
 *   under their item; quotes are `> ` lines.
 * - Links are `text (url)`: just `text` when it is the URL, and no URL for
 *   `javascript:` or in-page `#` links.
 * - Images are their `alt` text; tracking pixels and spacers nothing.
 * - Data tables are one line per row, cells separated by a tab; layout tables
 *   (mail's columns and frames) are their content, cell by cell.
 * - Scripts, styles, the head, comments and hidden elements are left out.
 *
 * Never throws; linear in the input (html-tree.ts bounds depth and matching).
 */
export function htmlToText(html: string): string {
  return renderText(parseHtml(html));
}

/** The text of a parsed tree, as `htmlToText` lays it out. */
export function renderText(root: HtmlElement): string {
  const writer = new BlockWriter({ hardBreak: "", escape: (word) => word });
  renderChildren(root, writer, { lists: [], inLink: false });
  return writer.toString();
}

/** An open list: whether it numbers its items, and the next number. */
export interface ListState {
  ordered: boolean;
  next: number;
}

interface Context {
  lists: ListState[];
  inLink: boolean;
}

/** Elements that end a line but leave no blank line (no margin in a browser). */
export const LINE_BLOCKS = new Set([
  "div",
  "section",
  "article",
  "header",
  "footer",
  "nav",
  "main",
  "aside",
  "center",
  "form",
  "fieldset",
  "legend",
  "details",
  "summary",
  "dt",
  "dd",
  "figcaption",
  "caption",
  "address",
  "tr",
  "td",
  "th",
  "option",
]);

/** Elements set off by a blank line. */
export const PARAGRAPH_BLOCKS = new Set([
  "p",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "dl",
  "figure",
  "hgroup",
  "dialog",
  "menu",
  "dir",
]);

/** Elements `renderNode` breaks a line at by name, besides the two sets above. */
const OWN_LINE = new Set([
  "br",
  "hr",
  "ul",
  "ol",
  "li",
  "table",
  "pre",
  "xmp",
  "listing",
  "plaintext",
  "blockquote",
]);

/**
 * Whether `htmlToText` keeps the text before and after an element of this name
 * apart: on separate lines, or (a data table's cells) a tab apart.
 */
export function breaksLine(name: string): boolean {
  return OWN_LINE.has(name) || LINE_BLOCKS.has(name) || PARAGRAPH_BLOCKS.has(name);
}

function renderChildren(element: HtmlElement, writer: BlockWriter, context: Context): void {
  for (const child of element.children) renderNode(child, writer, context);
}

function renderNode(node: HtmlNode, writer: BlockWriter, context: Context): void {
  if (typeof node === "string") {
    writer.text(node);
    return;
  }
  if (isHidden(node)) return;
  switch (node.name) {
    case "br":
      writer.lineBreak();
      return;
    case "hr":
      writer.break("paragraph");
      writer.raw("---");
      writer.break("paragraph");
      return;
    case "img":
      if (!isTrackingPixel(node)) writer.text(attributeOf(node, "alt") ?? "");
      return;
    case "a":
      renderLink(node, writer, context);
      return;
    case "ul":
    case "ol":
      renderList(node, writer, context);
      return;
    case "li":
      renderListItem(node, writer, context);
      return;
    case "table":
      renderTable(node, writer, context);
      return;
    case "pre":
    case "xmp":
    case "listing":
    case "plaintext":
      writer.break("paragraph");
      writer.preformatted(preformattedText(node));
      writer.break("paragraph");
      return;
    case "blockquote":
      writer.break("paragraph");
      writer.pushPrefix("> ", "> ");
      renderChildren(node, writer, context);
      writer.break("paragraph");
      writer.popPrefix();
      return;
  }
  if (PARAGRAPH_BLOCKS.has(node.name)) {
    writer.break("paragraph");
    renderChildren(node, writer, context);
    writer.break("paragraph");
    return;
  }
  if (LINE_BLOCKS.has(node.name)) {
    writer.break("hard-line");
    renderChildren(node, writer, context);
    writer.break("hard-line");
    return;
  }
  renderChildren(node, writer, context);
}

/** A link's `href` worth showing, or null (`javascript:`, in-page `#…`, empty). */
export function shownHref(link: HtmlElement): string | null {
  const href = (attributeOf(link, "href") ?? "").trim();
  if (href === "" || href.startsWith("#") || /^\s*javascript:/i.test(href)) return null;
  return href;
}

/** A URL or link text reduced for comparison: no scheme, no `mailto:`, no trailing slash, lower case. */
function comparable(value: string): string {
  return value
    .trim()
    .replace(/^(?:https?:\/\/|mailto:)/i, "")
    .replace(/\/$/, "")
    .toLowerCase();
}

function renderLink(link: HtmlElement, writer: BlockWriter, context: Context): void {
  const href = shownHref(link);
  if (href === null || context.inLink) {
    renderChildren(link, writer, context);
    return;
  }
  const start = writer.position();
  context.inLink = true;
  renderChildren(link, writer, context);
  context.inLink = false;
  const shown = collapseWhitespace(writer.textSince(start));
  if (shown === "" || comparable(shown) === comparable(href)) return;
  writer.appendToLine(`(${href})`);
}

function renderList(list: HtmlElement, writer: BlockWriter, context: Context): void {
  const nested = context.lists.length > 0;
  const start = Number.parseInt(attributeOf(list, "start") ?? "", 10);
  context.lists.push({ ordered: list.name === "ol", next: Number.isFinite(start) ? start : 1 });
  writer.break(nested ? "line" : "paragraph");
  renderChildren(list, writer, context);
  writer.break(nested ? "line" : "paragraph");
  context.lists.pop();
}

/** The marker of the next item of the innermost list (`- `, or `3. `); an item outside a list is `- `. */
export function nextMarker(item: HtmlElement, lists: ListState[]): string {
  const list = lists[lists.length - 1];
  if (!list?.ordered) return "- ";
  const value = Number.parseInt(attributeOf(item, "value") ?? "", 10);
  if (Number.isFinite(value)) list.next = value;
  return `${list.next++}. `;
}

function renderListItem(item: HtmlElement, writer: BlockWriter, context: Context): void {
  const marker = nextMarker(item, context.lists);
  writer.break("line");
  writer.pushPrefix(marker, " ".repeat(marker.length));
  renderChildren(item, writer, context);
  writer.break("line");
  writer.popPrefix();
}

function renderTable(table: HtmlElement, writer: BlockWriter, context: Context): void {
  const shape = shapeOfTable(table);
  writer.break("paragraph");
  if (shape.layout) {
    renderChildren(table, writer, context);
  } else {
    for (const child of table.children) {
      if (typeof child !== "string" && child.name === "caption") renderNode(child, writer, context);
    }
    for (const cells of shape.rows) {
      const row = cells.map((cell) => cellText(cell)).join("\t");
      if (row.trim() === "") continue;
      writer.break("line");
      writer.raw(row.trimEnd());
    }
  }
  writer.break("paragraph");
}

/** A cell's text on one line. */
function cellText(cell: HtmlElement): string {
  const writer = new BlockWriter({ hardBreak: "", escape: (word) => word });
  writer.beginSingleLine();
  renderChildren(cell, writer, { lists: [], inLink: false });
  return writer.toString();
}

/**
 * The text of a `<pre>` as written: its text nodes with `<br>` as a newline,
 * hidden parts left out, without the newline HTML drops after `<pre>` and
 * without trailing line breaks.
 */
export function preformattedText(pre: HtmlElement): string {
  const out: string[] = [];
  const pending: HtmlNode[] = [...pre.children].reverse();
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === undefined) continue;
    if (typeof node === "string") out.push(node);
    else if (node.name === "br") out.push("\n");
    else if (!isHidden(node)) {
      for (let index = node.children.length - 1; index >= 0; index--) {
        const child = node.children[index];
        if (child !== undefined) pending.push(child);
      }
    }
  }
  const text = out.join("").replace(/\r\n?/g, "\n");
  // Trailing breaks and blanks by hand: a `[\n\t ]+$` regex retries every run of them, quadratic on a long one.
  let end = text.length;
  while (end > 0 && (text[end - 1] === "\n" || text[end - 1] === " " || text[end - 1] === "\t")) end--;
  return text.slice(text.startsWith("\n") ? 1 : 0, Math.max(end, text.startsWith("\n") ? 1 : 0));
}
