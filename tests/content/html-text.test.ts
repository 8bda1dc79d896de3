// Proves that htmlToText (core/content/html-text.ts) gives the text a reader sees: blocks, line
// breaks, lists, links, tables, <pre>, entities, hidden and non-content parts removed; that it
// survives malformed HTML; and that hostile nesting (5 MB of <div>, 100k unclosed <b>) stays linear.
// Every fixture was written for this project.
import { describe, expect, test } from "bun:test";
import { htmlToText } from "../../core/content/html-text";
import { expectLinearConversion } from "../helpers/linear-time";

const FIXTURES: Array<[name: string, html: string, text: string]> = [
  [
    "paragraphs are one blank line apart",
    "<p>First  paragraph.</p>\n<p>Second\nparagraph.</p>",
    "First paragraph.\n\nSecond paragraph.",
  ],
  [
    "a <div> ends a line; <div><br></div> is a blank line (how Gmail and Outlook write lines)",
    "<div>Hi Jane,</div><div><br></div><div>The report is attached.</div><div>Thanks</div>",
    "Hi Jane,\n\nThe report is attached.\nThanks",
  ],
  ["<br> is a newline, two leave a blank line", "<p>one<br>two<br><br>three<br></p>", "one\ntwo\n\nthree"],
  [
    "lists: - for bullets, numbers from start=, nested ones indented under their item",
    '<ul><li>Apples</li><li>Pears<ul><li>Conference</li><li>Williams</li></ul></li></ul><ol start="3"><li>three<li>four</ol>',
    "- Apples\n- Pears\n  - Conference\n  - Williams\n\n3. three\n4. four",
  ],
  [
    "links are text (url); just text when it is the URL; no URL for javascript: or #",
    '<p><a href="https://x.com/pricing">our prices</a>, <a href="https://x.com/">x.com</a>, ' +
      '<a href="javascript:void(0)">menu</a>, <a href="#top">top</a></p>',
    "our prices (https://x.com/pricing), x.com, menu, top",
  ],
  [
    "mailto: links keep the address unless the text is it",
    '<a href="mailto:jane@x.com">jane@x.com</a> or <a href="mailto:jane@x.com">write to Jane</a>',
    "jane@x.com or write to Jane (mailto:jane@x.com)",
  ],
  [
    "a link around a block gets its URL on the same line",
    '<a href="https://x.com/offer"><div>See the offer</div></a><div>Next line</div>',
    "See the offer (https://x.com/offer)\nNext line",
  ],
  [
    "headings are paragraphs of their own",
    "<h1>Welcome</h1>Text right after<h2>Part 2</h2>",
    "Welcome\n\nText right after\n\nPart 2",
  ],
  [
    "a data table is one line per row, cells separated by a tab",
    "<table><tr><th>Item</th><th>Qty</th></tr><tr><td>Apples</td><td>3</td></tr><tr><td>Pears</td><td>12</td></tr></table>",
    "Item\tQty\nApples\t3\nPears\t12",
  ],
  [
    "a layout table is its content, cell by cell",
    '<table role="presentation"><tr><td><h2>News</h2><p>Our spring sale.</p></td><td>Unsubscribe</td></tr></table>',
    "News\n\nOur spring sale.\n\nUnsubscribe",
  ],
  [
    "<pre> keeps its whitespace and drops the newline after the tag",
    "<p>Code:</p><pre>\nif (a) {\n    b();\n}\n</pre><p>Done.</p>",
    "Code:\n\nif (a) {\n    b();\n}\n\nDone.",
  ],
  [
    "blockquotes are > lines",
    "<blockquote><p>Quoted.</p><p>Still quoted.</p></blockquote><p>Mine.</p>",
    "> Quoted.\n>\n> Still quoted.\n\nMine.",
  ],
  [
    "named entities (the common HTML5 ones) and numeric ones decode",
    "<p>&amp; &lt; &gt; &quot; &apos; &copy; &reg; &trade; &hellip; &mdash; &ndash; &lsquo;&rsquo; &ldquo;&rdquo; " +
      "&bull; &euro; &pound; &yen; &cent; &sect; &deg; &plusmn; &times; &divide; &laquo; &raquo; &middot;</p>" +
      "<p>&#65;&#x42;&#X43; &#8364; &#x1F600; &#146; &#0; &unknown; &amp</p>",
    "& < > \" ' © ® ™ … — – ‘’ “” • € £ ¥ ¢ § ° ± × ÷ « » ·\n\nABC € 😀 ’ \ufffd &unknown; &",
  ],
  [
    "&nbsp; is a space that does not collapse; a paragraph of only &nbsp; is empty",
    "<p>a&nbsp;&nbsp;b</p><p>&nbsp;</p><p>c</p>",
    "a  b\n\nc",
  ],
  [
    "script, style, head, title and comments are not text",
    "<html><head><title>Newsletter</title><style>p { color: red }</style></head><body>" +
      "<script>if (a < b) document.write('</p>')</script><!-- tracking --><p>Hello</p></body></html>",
    "Hello",
  ],
  [
    "hidden elements are removed: display:none, visibility:hidden, hidden, mso-hide:all",
    '<div style="display: none !important">preview text</div><span style="visibility:hidden">x</span>' +
      '<p hidden>y</p><div style="mso-hide:all">z</div><p style="color:red">Shown</p>',
    "Shown",
  ],
  [
    "images are their alt text; tracking pixels nothing",
    '<p>Hi <img src="logo.png" alt="ACME"> team<img src="https://t.x.com/open?id=1" width="1" height="1" alt="."></p>',
    "Hi ACME team",
  ],
  [
    "malformed: unclosed tags, stray end tags, < in text, unquoted and odd attributes",
    "<p>Unclosed <b>bold <i>both</p></span></table><p class=x title=\"a>b\" data-x='1' checked>2 < 3 and a<>b</p>",
    "Unclosed bold both\n\n2 < 3 and a<>b",
  ],
  [
    "CDATA is text; an unclosed comment hides the rest",
    "<![CDATA[x < y]]> shown <!-- never closed <p>hidden",
    "x < y shown",
  ],
  ["a tag cut off by the end of the input is dropped", 'Text <a href="https://x.com', "Text"],
  [
    "implied ends: <li>, <td> and <tr> close their predecessors",
    "<ul><li>one<li>two</ul><table><tr><td>a<td>b<tr><td>c<td>d</table>",
    "- one\n- two\n\na\tb\nc\td",
  ],
  ["upper-case tags and attributes", '<P STYLE="DISPLAY:NONE">x</P><P>Shown <B>bold</B></P>', "Shown bold"],
  [
    "names of Object.prototype are nothing special: &constructor; stays, <constructor> is an inline element",
    "<p>a&constructor;b &__proto__; &toString; <constructor>c</constructor> <hasOwnProperty>d</p>",
    "a&constructor;b &__proto__; &toString; c d",
  ],
  [
    "a <head> never closed ends where the body starts",
    "<html><head><title>T</title><div>Body text</div>",
    "Body text",
  ],
];

describe("htmlToText", () => {
  for (const [name, html, text] of FIXTURES) {
    test(name, () => {
      expect(htmlToText(html)).toBe(text);
    });
  }

  test("empty and whitespace-only input give empty text", () => {
    expect(htmlToText("")).toBe("");
    expect(htmlToText(" \n\t<br><p> </p>")).toBe("");
  });
});

describe("htmlToText on hostile input, in linear time", () => {
  const linear = (size: number, html: (n: number) => string, text: (n: number) => string) =>
    expectLinearConversion(htmlToText, size, html, text);

  test("5 MB of nested <div>", () =>
    linear(
      1_000_000,
      (n) => `${"<div>".repeat(n)}deep`,
      () => "deep",
    ));
  test("100,000 unclosed <b>", () =>
    linear(
      100_000,
      (n) => "<b>x".repeat(n),
      (n) => "x".repeat(n),
    ));
  test("5 MB of '<'", () =>
    linear(
      5_000_000,
      (n) => "<".repeat(n),
      (n) => "<".repeat(n),
    ));
  test("unclosed quoted attributes", () =>
    linear(
      500_000,
      (n) => '<a href="'.repeat(n),
      () => "",
    ));
  test("end tags that match nothing, under 50,000 open elements", () =>
    linear(
      500_000,
      (n) => `<div>${"<b>".repeat(n / 10)}ok${"</i>".repeat(n)}`,
      () => "ok",
    ));
  test("200,000 nested blockquotes: quote prefixes stop at ten levels", () => {
    const text = htmlToText(`${"<blockquote>".repeat(200_000)}deep`);
    expect(text).toBe(`${"> ".repeat(10)}deep`);
  });
});
