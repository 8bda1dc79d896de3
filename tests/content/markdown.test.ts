// Proves that htmlToMarkdown (core/content/markdown.ts) writes the Markdown of a mail body, tracking
// pixels and layout tables handled as the module says, and data tables as GFM tables; that
// textToMarkdown escapes plain text so it renders as itself; and that hostile input stays linear.
// Every fixture was written for this project.
import { describe, expect, test } from "bun:test";
import { htmlToMarkdown, textToMarkdown } from "../../core/content/markdown";
import { expectLinearConversion, expectLinearTime } from "../helpers/linear-time";

const HTML_FIXTURES: Array<[name: string, html: string, markdown: string]> = [
  [
    "headings and paragraphs",
    "<h1>Welcome</h1><p>First.</p><h3>Details</h3><p>Second.</p>",
    "# Welcome\n\nFirst.\n\n### Details\n\nSecond.",
  ],
  [
    "bold, emphasis and strikethrough hug their words",
    "<p>A <b> bold </b>word, <strong>strong</strong>, <i>em</i>, <em>also em</em>, <s>gone</s>.</p>",
    "A **bold** word, **strong**, _em_, _also em_, ~~gone~~.",
  ],
  ["a bold span across a <br> is closed and reopened", "<p><b>one<br>two</b></p>", "**one**\\\n**two**"],
  [
    "links, with spaces and parentheses in the URL encoded; javascript: links are their text",
    '<p><a href="https://x.com/a b(1)">Read more</a> or <a href="javascript:go()">here</a></p>',
    "[Read more](https://x.com/a%20b%281%29) or here",
  ],
  [
    "images, and an image inside a link",
    '<p><img src="cid:logo@x" alt="ACME [logo]"> <a href="https://x.com"><img src="https://x.com/b.png" alt="Buy"></a></p>',
    "![ACME \\[logo\\]](cid:logo@x) [![Buy](https://x.com/b.png)](https://x.com)",
  ],
  [
    "tracking pixels dropped: 1x1 attributes, 0 width, 1px style, hidden, a tracker's 2x2",
    '<img src="https://t.x.com/a.gif" width="1" height="1"><img src="s.gif" width="0">' +
      '<img src="p.gif" style="width:1px;height:1px"><img src="q.gif" style="display:none">' +
      '<img src="https://t.x.com/open/abc" width="2" height="2"><p>Text</p>',
    "Text",
  ],
  [
    "images kept without size evidence, even from a tracker-looking URL",
    '<img src="https://x.com/track/hero.png" alt="Hero"> <img src="https://x.com/pixel-art.png" width="600" alt="Art">',
    "![Hero](https://x.com/track/hero.png) ![Art](https://x.com/pixel-art.png)",
  ],
  [
    "lists, nested under their item's text",
    '<ul><li>One</li><li>Two<ol><li>first</li><li>second</li></ol></li></ul><ol start="7"><li>seven</li></ol>',
    "- One\n- Two\n  1. first\n  2. second\n\n7. seven",
  ],
  [
    "blockquotes",
    "<blockquote><p>Quoted.</p><blockquote>Deeper.</blockquote></blockquote><p>Mine.</p>",
    "> Quoted.\n>\n> > Deeper.\n\nMine.",
  ],
  [
    "inline code and fenced <pre>, fences longer than any inside",
    "<p>Run <code>npm `x`</code>.</p><pre><code>```\nlet a = 1;\n```</code></pre>",
    "Run `` npm `x` ``.\n\n````\n```\nlet a = 1;\n```\n````",
  ],
  ["<hr> is --- between paragraphs", "<p>Above</p><hr><p>Below</p>", "Above\n\n---\n\nBelow"],
  [
    "<br> is a hard break; <div> lines are hard breaks too",
    "<div>Hi Jane,</div><div><br></div><div>Line one<br>Line two</div><div>Line three</div>",
    "Hi Jane,\n\nLine one\\\nLine two\\\nLine three",
  ],
  [
    "a data table (a header row, two columns) is a GFM table, pipes escaped",
    "<table><thead><tr><th>Plan</th><th>Price</th></tr></thead><tbody><tr><td>Basic | yearly</td><td><b>$5</b></td></tr>" +
      '<tr><td colspan="2">Call us</td></tr></tbody></table>',
    "| Plan | Price |\n| --- | --- |\n| Basic \\| yearly | **$5** |\n| Call us |  |",
  ],
  [
    "a table without a header row is layout: its cells as lines",
    "<table><tr><td>Left</td><td>Right</td></tr></table>",
    "Left\\\nRight",
  ],
  [
    "role=presentation and nested tables are layout, even with <th>",
    '<table role="presentation"><tr><th>A</th><th>B</th></tr></table>' +
      "<table><tr><th>X</th><th>Y</th></tr><tr><td><table><tr><td>inner</td></tr></table></td><td>z</td></tr></table>",
    "A\\\nB\n\nX\\\nY\n\ninner\n\nz",
  ],
  [
    "a single-column table is layout",
    "<table><tr><th>Only</th></tr><tr><td>column</td></tr></table>",
    "Only\\\ncolumn",
  ],
  [
    "text that looks like Markdown is escaped",
    "<p>1. not a list</p><p># not a heading</p><p>*not bold* and _not em_, snake_case, [not](a link), &lt;b&gt;</p>",
    "1\\. not a list\n\n\\# not a heading\n\n\\*not bold\\* and \\_not em\\_, snake_case, \\[not\\](a link), \\<b>",
  ],
  [
    "hidden elements, scripts and styles are removed",
    '<style>.a{}</style><div style="display:none">preheader</div><script>x()</script><p>Visible</p>',
    "Visible",
  ],
  [
    "a heading holding a link",
    '<h2><a href="https://x.com/news">News</a></h2>',
    "## [News](https://x.com/news)",
  ],
  [
    "malformed: unclosed tags and a dangling attribute",
    '<p>Unclosed <b>bold <i>both</p><p>next <a href="https://x.com',
    "Unclosed **bold _both_**\n\nnext",
  ],
];

describe("htmlToMarkdown", () => {
  for (const [name, html, markdown] of HTML_FIXTURES) {
    test(name, () => {
      expect(htmlToMarkdown(html)).toBe(markdown);
    });
  }
});

const TEXT_FIXTURES: Array<[name: string, text: string, markdown: string]> = [
  ["plain words pass through", "Hello Jane, see you at 10:30.", "Hello Jane, see you at 10:30."],
  [
    "each line break is kept as a hard break, blank lines as they are",
    "Hi,\n\nline one\nline two\r\nline three",
    "Hi,\n\nline one\\\nline two\\\nline three",
  ],
  [
    "characters that would start inline syntax are escaped; snake_case is not",
    "Use *care* with `code`, [brackets], ~tilde~, <tags>, &amp; and snake_case_names.",
    "Use \\*care\\* with \\`code\\`, \\[brackets\\], \\~tilde\\~, \\<tags>, \\&amp; and snake_case_names.",
  ],
  [
    "line starts that would open a block are escaped",
    "# hash\n> quote\n- dash\n+ plus\n1. one\n2) two\n--\n===",
    "\\# hash\\\n\\> quote\\\n\\- dash\\\n\\+ plus\\\n1\\. one\\\n2\\) two\\\n\\--\\\n\\===",
  ],
  [
    "leading spaces are kept as &nbsp; (four would be code)",
    "Note:\n\n    indented\n\tx",
    "Note:\n\n&nbsp;&nbsp;&nbsp;&nbsp;indented\\\n&nbsp;&nbsp;&nbsp;&nbsp;x",
  ],
  ["a row of pipes and dashes cannot make a table", "a | b\n--- | ---", "a | b\\\n\\--- \\| ---"],
  [
    "backslashes before punctuation and at a line's end are doubled",
    "C:\\Users\\*\nend\\",
    "C:\\Users\\\\\\*\\\nend\\\\",
  ],
];

describe("textToMarkdown", () => {
  for (const [name, text, markdown] of TEXT_FIXTURES) {
    test(name, () => {
      expect(textToMarkdown(text)).toBe(markdown);
    });
  }
});

describe("htmlToMarkdown on hostile input, in linear time", () => {
  const linear = (size: number, html: (n: number) => string, markdown: (n: number) => string) =>
    expectLinearConversion(htmlToMarkdown, size, html, markdown);

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
      (n) => `**${"x".repeat(n)}**`,
    ));
  test("100,000 nested tables", () =>
    linear(
      100_000,
      (n) => `${"<table><tr><td>".repeat(n)}cell`,
      () => "cell",
    ));
  test("200,000 links opened and never closed", () =>
    linear(
      200_000,
      (n) => '<a href="u">x'.repeat(n),
      (n) => "[x](u)".repeat(n),
    ));
  test("textToMarkdown on 2 MB of syntax characters", () =>
    expectLinearTime((n) => {
      const text = "*_`[]<a&x;#>-\\".repeat(n);
      return () => expect(textToMarkdown(text).length).toBeGreaterThan(text.length);
    }, 150_000));
});
