// Proves that the shared tokenizer (core/content/html-tokens.ts) and the entity decoder
// (core/content/html-entities.ts) read tags, attributes, text, comments and CDATA as the converters
// expect, including the malformed cases the HTML standard resolves. Every fixture was written for
// this project.
import { describe, expect, test } from "bun:test";
import { decodeHtmlEntities } from "../../core/content/html-entities";
import { type HtmlToken, tokenizeHtml } from "../../core/content/html-tokens";
import { expectLinearTime } from "../helpers/linear-time";

const start = (
  name: string,
  attributes: Record<string, string> | null = null,
  selfClosing = false,
): HtmlToken => ({
  type: "start",
  name,
  attributes: attributes === null ? null : new Map(Object.entries(attributes)),
  selfClosing,
});

const TOKEN_FIXTURES: Array<[name: string, html: string, tokens: HtmlToken[]]> = [
  [
    "tags and text, names lower-cased",
    "<P>Hi <B>you</B></P>",
    [
      start("p"),
      { type: "text", text: "Hi " },
      start("b"),
      { type: "text", text: "you" },
      { type: "end", name: "b" },
      { type: "end", name: "p" },
    ],
  ],
  [
    "attributes: double, single, unquoted, bare, repeated (first wins), references decoded",
    `<a HREF="https://x.com/?a=1&amp;b=2" title='it&#39;s' class=big hidden href="ignored">`,
    [start("a", { href: "https://x.com/?a=1&b=2", title: "it's", class: "big", hidden: "" })],
  ],
  [
    "self-closing and void",
    "<br/><img src=x />",
    [start("br", null, true), start("img", { src: "x" }, true)],
  ],
  [
    "comments, doctype and processing instructions are dropped; CDATA is text",
    "<!DOCTYPE html><?xml version='1.0'?><!-- a -- b -->x<![CDATA[<y>]]>",
    [
      { type: "text", text: "x" },
      { type: "text", text: "<y>" },
    ],
  ],
  [
    "a < that opens no tag is text",
    "a < b <3 </ >c",
    [
      { type: "text", text: "a < b <3 " },
      { type: "text", text: "c" },
    ],
  ],
  [
    "script content is raw text up to its end tag",
    "<script>if (a<b && c>d) x('</p>')</script>y",
    [
      start("script"),
      { type: "text", text: "if (a<b && c>d) x('</p>')" },
      { type: "end", name: "script" },
      { type: "text", text: "y" },
    ],
  ],
  ["a tag cut off by the end of the input is dropped", 'ok<a href="x', [{ type: "text", text: "ok" }]],
  ["an unclosed comment runs to the end", "ok<!-- <b>never", [{ type: "text", text: "ok" }]],
];

describe("tokenizeHtml", () => {
  for (const [name, html, tokens] of TOKEN_FIXTURES) {
    test(name, () => {
      expect(tokenizeHtml(html)).toEqual(tokens);
    });
  }
});

describe("decodeHtmlEntities", () => {
  test("named, decimal and hex references; unknown ones stay", () => {
    expect(decodeHtmlEntities("&lt;&euro;&#8364;&#x20AC;&#X20ac;&nope;&")).toBe("<€€€€&nope;&");
  });
  test("C1 code points read as windows-1252; NUL, surrogates and out-of-range as U+FFFD", () => {
    expect(decodeHtmlEntities("&#147;x&#148; &#0; &#xD800; &#x110000;")).toBe("“x” \ufffd \ufffd \ufffd");
  });
  test("legacy names without ';' decode in text, not in attributes before = or a letter", () => {
    expect(decodeHtmlEntities("&amp &nbspx &copy 2026")).toBe("& \u00a0x © 2026");
    expect(decodeHtmlEntities("?a=1&copy=2&ampx&amp", true)).toBe("?a=1&copy=2&ampx&");
  });
  test("the capital names HTML knows decode, with or without ';'; other capitals stay", () => {
    expect(decodeHtmlEntities("&AMP; &LT;&GT; &QUOT; &COPY; &REG &TRADE; &Amp; &NBSP;")).toBe(
      '& <> " © ® ™ &Amp; &NBSP;',
    );
  });
  test("2 MB of references decode in linear time", () => {
    expectLinearTime((n) => {
      const text = "&amp;&#65;&bogus;&".repeat(n);
      const decoded = "&A&bogus;&".repeat(n);
      return () => expect(decodeHtmlEntities(text)).toBe(decoded);
    }, 110_000);
  });
});
