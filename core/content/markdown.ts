import { BlockWriter } from "./block-writer";
import {
  LINE_BLOCKS,
  type ListState,
  nextMarker,
  PARAGRAPH_BLOCKS,
  preformattedText,
  shownHref,
} from "./html-text";
import {
  attributeOf,
  type HtmlElement,
  type HtmlNode,
  isHidden,
  isTrackingPixel,
  parseHtml,
  shapeOfTable,
} from "./html-tree";
import { splitLines } from "./text-lines";
import { collapseWhitespace } from "./whitespace";

/**
 * Markdown (CommonMark, with GFM tables and strikethrough) from an HTML mail
 * body, and from plain text. Web APIs only.
 *
 * From HTML: headings `#`, paragraphs, `**bold**`, `_em_`, `~~struck~~`,
 * `` `code` `` and fenced `<pre>`, links `[text](url)`, images `![alt](src)`
 * (not tracking pixels or spacers: html-tree.ts `isTrackingPixel`), lists,
 * quotes `> `, `<hr>` as `---`, `<br>` as a hard break (`\`). A data table
 * (a header row, two or more columns, no nested table, no block content in a
 * cell) is a GFM pipe table; a layout table is its content, cell by cell.
 * Hidden elements, scripts, styles and the head are left out. Text is escaped
 * where Markdown would read it as syntax (`escapeMarkdownText`).
 *
 * Not handled: `_` between letters does not emphasise in CommonMark, so an
 * `<em>` inside a word (`wo<em>rd</em>s`) shows its underscores; cell spans are
 * filled with empty cells; a link's `title` is dropped.
 */
export function htmlToMarkdown(html: string): string {
  const writer = new BlockWriter({ hardBreak: "\\", escape: escapeMarkdownText });
  renderChildren(parseHtml(html), writer, newContext());
  return writer.toString();
}

/**
 * Plain text as Markdown that renders as the same text: syntax characters
 * escaped (`escapeMarkdownText`), each line break kept as a hard break (`\`),
 * blank lines kept, leading spaces kept as `&nbsp;` (Markdown would drop them,
 * or read four as code). Line endings become `\n`.
 */
export function textToMarkdown(text: string): string {
  const lines = splitLines(text);
  const out: string[] = [];
  for (const [index, line] of lines.entries()) {
    const trimmed = line.trimEnd();
    if (trimmed === "") {
      out.push("");
      continue;
    }
    let indent = 0;
    let columns = 0;
    while (trimmed[indent] === " " || trimmed[indent] === "\t") {
      columns += trimmed[indent] === "\t" ? 4 - (columns % 4) : 1;
      indent++;
    }
    const content = trimmed.slice(indent);
    const space = content.search(/[\t ]/);
    const first = space === -1 ? content : content.slice(0, space);
    let escaped = escapeMarkdownText(first, true) + escapeMarkdownText(content.slice(first.length), false);
    // A row of `|`, `-` and `:` under a line would make the two a GFM table.
    if (content.includes("|") && content.includes("-") && /^[\t |:-]+$/.test(content)) {
      escaped = escaped.replaceAll("|", "\\|");
    }
    const next = lines[index + 1];
    const hardBreak = next !== undefined && next.trim() !== "" ? "\\" : "";
    out.push("&nbsp;".repeat(columns) + escaped + hardBreak);
  }
  return out.join("\n").trim();
}

const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;
const INLINE_SPECIAL = /[\\*`[\]~_<&]/;
const WORD_CHARACTER = /[\p{L}\p{N}]/u;
const REFERENCE_LIKE = /^&#?[A-Za-z0-9]{1,32};/;

/**
 * Escapes what Markdown would read as syntax in `text`, and no more: `\` before
 * punctuation or at the end, `*`, `` ` ``, `[`, `]`, `~`, a `_` not between
 * letters, a `<` that would open a tag or autolink, an `&` that would open a
 * reference. With `lineStart`, also a first word that would open a block: `#`,
 * `>`, a list marker (`-`, `+`, `1.`, `1)`), or a run of `-` or `=` (a rule or
 * a heading underline).
 */
export function escapeMarkdownText(text: string, lineStart: boolean): string {
  let escaped = text;
  if (INLINE_SPECIAL.test(text)) {
    const out: string[] = [];
    for (let index = 0; index < text.length; index++) {
      const character = text.charAt(index);
      const next = text.charAt(index + 1);
      switch (character) {
        case "\\":
          out.push(next === "" || ASCII_PUNCTUATION.test(next) ? "\\\\" : "\\");
          break;
        case "*":
        case "`":
        case "[":
        case "]":
        case "~":
          out.push(`\\${character}`);
          break;
        case "_":
          out.push(WORD_CHARACTER.test(text.charAt(index - 1)) && WORD_CHARACTER.test(next) ? "_" : "\\_");
          break;
        case "<":
          out.push(/[A-Za-z/!?]/.test(next) ? "\\<" : "<");
          break;
        case "&":
          out.push(REFERENCE_LIKE.test(text.slice(index, index + 35)) ? "\\&" : "&");
          break;
        default:
          out.push(character);
      }
    }
    escaped = out.join("");
  }
  if (!lineStart) return escaped;
  const word = text.split(/[\t ]/, 1)[0] ?? "";
  if (/^#{1,6}$/.test(word) || word.startsWith(">") || word === "+" || /^(?:-+|=+)$/.test(word)) {
    return `\\${escaped}`;
  }
  if (/^\d{1,9}[.)]$/.test(word)) {
    const marker = word.length - 1;
    return `${escaped.slice(0, marker)}\\${escaped.slice(marker)}`;
  }
  return escaped;
}

interface Context {
  lists: ListState[];
  inLink: boolean;
  strong: number;
  emphasis: number;
  struck: number;
}

function newContext(): Context {
  return { lists: [], inLink: false, strong: 0, emphasis: 0, struck: 0 };
}

/** Inline marks by element: `**` for strong, `_` for emphasis, `~~` (GFM) for struck text. */
const MARKS = new Map<string, { counter: "strong" | "emphasis" | "struck"; text: string }>([
  ...["b", "strong"].map((name) => [name, { counter: "strong", text: "**" }] as const),
  ...["i", "em", "cite", "dfn", "var"].map((name) => [name, { counter: "emphasis", text: "_" }] as const),
  ...["s", "strike", "del"].map((name) => [name, { counter: "struck", text: "~~" }] as const),
]);
const CODE = new Set(["code", "kbd", "samp", "tt"]);
const HEADING_LEVEL = new Map([
  ["h1", 1],
  ["h2", 2],
  ["h3", 3],
  ["h4", 4],
  ["h5", 5],
  ["h6", 6],
]);

function renderChildren(element: HtmlElement, writer: BlockWriter, context: Context): void {
  for (const child of element.children) renderNode(child, writer, context);
}

/** Renders `element`'s children inside an inline mark, unless the same mark is already open. */
function renderMarked(
  element: HtmlElement,
  writer: BlockWriter,
  context: Context,
  counter: "strong" | "emphasis" | "struck",
  mark: string,
): void {
  if (context[counter] > 0) {
    renderChildren(element, writer, context);
    return;
  }
  context[counter]++;
  writer.pushMark(mark, mark);
  renderChildren(element, writer, context);
  writer.popMark();
  context[counter]--;
}

function renderNode(node: HtmlNode, writer: BlockWriter, context: Context): void {
  if (typeof node === "string") {
    writer.text(node);
    return;
  }
  if (isHidden(node)) return;
  const { name } = node;
  const mark = MARKS.get(name);
  if (mark !== undefined) {
    renderMarked(node, writer, context, mark.counter, mark.text);
    return;
  }
  if (CODE.has(name)) {
    const code = preformattedText(node).replace(/\s+/g, " ");
    if (code.trim() !== "") writer.raw(codeSpan(code));
    return;
  }
  const level = HEADING_LEVEL.get(name);
  if (level !== undefined) {
    writer.break("paragraph");
    writer.pushPrefix(`${"#".repeat(level)} `, "");
    writer.beginSingleLine();
    renderChildren(node, writer, context);
    writer.endSingleLine();
    writer.break("paragraph");
    writer.popPrefix();
    return;
  }
  switch (name) {
    case "br":
      writer.lineBreak();
      return;
    case "hr":
      writer.break("paragraph");
      writer.raw("---");
      writer.break("paragraph");
      return;
    case "img":
      renderImage(node, writer);
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
      renderCodeBlock(node, writer);
      return;
    case "blockquote":
      writer.break("paragraph");
      writer.pushPrefix("> ", "> ");
      renderChildren(node, writer, context);
      writer.break("paragraph");
      writer.popPrefix();
      return;
  }
  if (PARAGRAPH_BLOCKS.has(name)) {
    writer.break("paragraph");
    renderChildren(node, writer, context);
    writer.break("paragraph");
    return;
  }
  if (LINE_BLOCKS.has(name)) {
    writer.break("hard-line");
    renderChildren(node, writer, context);
    writer.break("hard-line");
    return;
  }
  renderChildren(node, writer, context);
}

/** A URL as a link destination: the characters that would end or break one percent-encoded. */
function destination(url: string): string {
  return url.replace(/[\s()<>]/g, (character) => {
    const code = character.charCodeAt(0);
    return `%${code.toString(16).toUpperCase().padStart(2, "0")}`;
  });
}

function renderImage(image: HtmlElement, writer: BlockWriter): void {
  const source = (attributeOf(image, "src") ?? "").trim();
  if (source === "" || isTrackingPixel(image)) return;
  const alt = escapeMarkdownText(collapseWhitespace(attributeOf(image, "alt") ?? ""), false);
  writer.raw(`![${alt}](${destination(source)})`);
}

function renderLink(link: HtmlElement, writer: BlockWriter, context: Context): void {
  const href = shownHref(link);
  if (href === null || context.inLink) {
    renderChildren(link, writer, context);
    return;
  }
  context.inLink = true;
  writer.pushMark("[", `](${destination(href)})`);
  renderChildren(link, writer, context);
  writer.popMark();
  context.inLink = false;
}

/** Inline code: a run of backticks longer than any inside, padded when the code starts or ends with one. */
function codeSpan(code: string): string {
  let longest = 0;
  for (const run of code.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = "`".repeat(longest + 1);
  const padded = code.startsWith("`") || code.endsWith("`") ? ` ${code} ` : code;
  return `${fence}${padded}${fence}`;
}

function renderCodeBlock(pre: HtmlElement, writer: BlockWriter): void {
  const code = preformattedText(pre);
  if (code.trim() === "") return;
  let longest = 0;
  for (const run of code.match(/^`{3,}/gm) ?? []) longest = Math.max(longest, run.length);
  const fence = "`".repeat(Math.max(3, longest + 1));
  writer.break("paragraph");
  writer.preformatted(`${fence}\n${code}\n${fence}`);
  writer.break("paragraph");
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
  if (shape.layout || !shape.hasHeader) {
    renderChildren(table, writer, context);
    writer.break("paragraph");
    return;
  }
  const rows = shape.rows.map((cells) => {
    const row: string[] = [];
    for (const cell of cells) {
      row.push(cellMarkdown(cell));
      const span = Math.max(1, Math.min(100, Number(attributeOf(cell, "colspan")) || 1));
      for (let extra = 1; extra < span; extra++) row.push("");
    }
    while (row.length < shape.columns) row.push("");
    return `| ${row.join(" | ")} |`;
  });
  const [header, ...body] = rows;
  const delimiter = `| ${Array.from({ length: shape.columns }, () => "---").join(" | ")} |`;
  for (const line of [header ?? "", delimiter, ...body]) {
    writer.break("line");
    writer.raw(line);
  }
  writer.break("paragraph");
}

/** A cell as one line of Markdown, its pipes escaped (GFM splits cells on any unescaped `|`). */
function cellMarkdown(cell: HtmlElement): string {
  const writer = new BlockWriter({ hardBreak: "\\", escape: escapeMarkdownText });
  writer.beginSingleLine();
  renderChildren(cell, writer, newContext());
  return writer.toString().replaceAll("|", "\\|");
}
