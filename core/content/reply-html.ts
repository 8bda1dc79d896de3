import { attributeOf, type HtmlElement, hasClass, styleOf } from "./html-tree";

/**
 * The quoted parts HTML mail clients mark in a reply, for `stripReplyHtml`
 * (reply.ts): found in one pass over the parsed tree.
 */

/** Ids and classes of quote containers that are quoted where they stand. */
const QUOTE_CLASSES = ["gmail_quote", "yahoo_quoted", "protonmail_quote"];
/** Attribution lines clients mark; removed with the quote they introduce. */
const ATTRIBUTION_CLASSES = ["gmail_attr", "moz-cite-prefix"];
/** Ids after which everything is the quoted message (Outlook desktop, web and Mac). */
const HISTORY_IDS = new Set([
  "divrplyfwdmsg",
  "appendonsend",
  "mail-editor-reference-message-container",
  "olk_src_body_section",
  "stopspelling",
]);

/** Whether everything from `element` on is quoted history (Outlook's header block and containers). */
function startsHtmlHistory(element: HtmlElement): boolean {
  const id = (attributeOf(element, "id") ?? "").toLowerCase();
  if (HISTORY_IDS.has(id)) return true;
  const borderTop = styleOf(element).get("border-top") ?? "";
  return /^solid\s+#(?:e1e1e1|b5c4df)\b/.test(borderTop);
}

function isQuoteContainer(element: HtmlElement): boolean {
  if (element.name === "blockquote") return true;
  const id = attributeOf(element, "id") ?? "";
  return QUOTE_CLASSES.some((name) => hasClass(element, name)) || id.startsWith("yahoo_quoted");
}

/**
 * Marks the quoted parts of a parsed reply (see `stripReplyHtml`): containers
 * become `<blockquote>` (rendered as `>` lines, which `stripReply` drops with
 * the attribution above them), marked attributions are removed, and the tree is
 * cut at the first Outlook history marker. One pass over the tree.
 */
export function markQuotedParts(root: HtmlElement): void {
  const pending: HtmlElement[] = [root];
  while (pending.length > 0) {
    const element = pending.pop();
    if (element === undefined) continue;
    if (element !== root && startsHtmlHistory(element)) {
      cutFrom(element);
      return;
    }
    if (ATTRIBUTION_CLASSES.some((name) => hasClass(element, name))) {
      element.children = [];
      continue;
    }
    if (element !== root && isQuoteContainer(element)) {
      element.name = "blockquote";
      continue;
    }
    // Children last-first onto the stack, so they come off in document order.
    for (let index = element.children.length - 1; index >= 0; index--) {
      const child = element.children[index];
      if (child !== undefined && typeof child !== "string") pending.push(child);
    }
  }
}

/** Removes `element`, everything after it in document order, and an `<hr>` just before it. */
function cutFrom(element: HtmlElement): void {
  let node: HtmlElement = element;
  let keepSelf = false;
  while (node.parent !== null) {
    const siblings = node.parent.children;
    siblings.length = siblings.indexOf(node) + (keepSelf ? 1 : 0);
    if (!keepSelf) {
      // Outlook on the web draws an <hr> above its header block.
      while (siblings.length > 0) {
        const last = siblings[siblings.length - 1];
        if (typeof last === "string" ? last.trim() !== "" : last?.name !== "hr") break;
        siblings.length--;
      }
    }
    keepSelf = true;
    node = node.parent;
  }
}
