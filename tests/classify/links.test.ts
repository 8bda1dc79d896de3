// Proves extractLinks: http(s) anchors of the HTML with their visible text (entities decoded,
// whitespace collapsed, an image's alt when there is no text), then bare URLs of the text without the
// punctuation after them (parentheses balanced), each URL once, in document order, at most 200;
// javascript:, data:, cid:, mailto: and relative links are left out; hostile input costs linear time.
import { describe, expect, test } from "bun:test";
import { extractLinks } from "../../core/classify/codes";
import { expectLinearTime } from "../helpers/linear-time";

describe("HTML anchors", () => {
  test("href and visible text, entities decoded, whitespace collapsed, nested tags stripped", () => {
    const html = `<p>Hi</p><a href="https://example.com/verify?u=1&amp;t=abc" class="btn">
      Verify&nbsp;your <b>email</b>
      &amp; continue</a>`;
    expect(extractLinks({ html, text: null })).toEqual([
      { url: "https://example.com/verify?u=1&t=abc", text: "Verify your email & continue" },
    ]);
  });

  test("single quotes, unquoted values, upper-case tags, attribute order", () => {
    const html = `<A class=x HREF='https://a.example/1'>One</A><a target=_blank href=https://b.example/2>Two</a>`;
    expect(extractLinks({ html, text: null })).toEqual([
      { url: "https://a.example/1", text: "One" },
      { url: "https://b.example/2", text: "Two" },
    ]);
  });

  test("an image button gives its alt; <br> reads as a space", () => {
    const html = `<a href="https://example.com/go"><img src="cid:logo" alt="Open the app"></a>
      <a href="https://example.com/two">Sign<br>in</a>`;
    expect(extractLinks({ html, text: null })).toEqual([
      { url: "https://example.com/go", text: "Open the app" },
      { url: "https://example.com/two", text: "Sign in" },
    ]);
  });

  test("words split where htmlToText splits lines: blocks of every kind, not inline tags", () => {
    const html = `<a href="https://example.com/a">Sign<section>in</section>now<blockquote>or</blockquote>
      later<dt>today</dt></a><a href="https://example.com/b">Ver<b>if</b><span>y</span></a>`;
    expect(extractLinks({ html, text: null })).toEqual([
      { url: "https://example.com/a", text: "Sign in now or later today" },
      { url: "https://example.com/b", text: "Verify" },
    ]);
  });

  test("javascript:, data:, cid:, mailto:, relative and empty hrefs are left out", () => {
    const html = `<a href="javascript:alert(1)">x</a><a href="data:text/html,hi">x</a><a href="cid:part1">x</a>
      <a href="mailto:a@example.com">x</a><a href="/relative">x</a><a href="">x</a><a name="top">x</a>
      <a href="  https://ok.example/  ">ok</a><a href="java&#x73;cript:alert(1)">x</a>`;
    expect(extractLinks({ html, text: null })).toEqual([{ url: "https://ok.example/", text: "ok" }]);
  });

  test("first occurrence wins; comments, scripts and styles are not read", () => {
    const html = `<!-- <a href="https://hidden.example/">no</a> -->
      <style>a[href="https://css.example/"]{}</style><script>"<a href='https://js.example/'>"</script>
      <a href="https://example.com/">First</a> <a href="https://example.com/">Second</a>`;
    expect(extractLinks({ html, text: null })).toEqual([{ url: "https://example.com/", text: "First" }]);
  });

  test("what htmlToText hides is not read: <template>, <select>, <iframe>, <object>; <noscript> is shown", () => {
    const html = `<template><a href="https://t.example/">T</a></template><select><option>
      <a href="https://s.example/">S</a></select><iframe><a href="https://i.example/">I</a></iframe>
      <object><a href="https://o.example/">O</a></object><noscript><a href="https://n.example/">N</a></noscript>
      <a href="https://x.example/">X<noembed>no</noembed><textarea>typed</textarea></a><template/>
      <a href="https://y.example/">Y</a>`;
    expect(extractLinks({ html, text: null })).toEqual([
      { url: "https://n.example/", text: "N" },
      { url: "https://x.example/", text: "Xtyped" },
      { url: "https://y.example/", text: "Y" },
    ]);
  });

  test("an anchor left open ends at the next anchor or the end", () => {
    const html = `<a href="https://one.example/">One <a href="https://two.example/">Two`;
    expect(extractLinks({ html, text: null })).toEqual([
      { url: "https://one.example/", text: "One" },
      { url: "https://two.example/", text: "Two" },
    ]);
  });

  test("numeric references, including the windows-1252 range", () => {
    const html = `<a href="https://example.com/">It&#146;s &#x201C;here&#x201D; &#8212; now</a>`;
    expect(extractLinks({ html, text: null })).toEqual([
      { url: "https://example.com/", text: "It’s “here” — now" },
    ]);
  });

  test("a query's &copy= and &times= stay as written: no ; and an = after, so no reference", () => {
    const html = `<a href="https://example.com/p?a=1&copy=2&times=3&amp;b=4">Open</a>`;
    expect(extractLinks({ html, text: null })).toEqual([
      { url: "https://example.com/p?a=1&copy=2&times=3&b=4", text: "Open" },
    ]);
  });

  test("a < that opens no tag is text, and the anchor after it is read", () => {
    const html = `I <3 it<a href="https://example.com/">Here</a> and </ p>`;
    expect(extractLinks({ html, text: null })).toEqual([{ url: "https://example.com/", text: "Here" }]);
  });

  test("a tag that never ends hides what follows it", () => {
    const html = `<a href="https://ok.example/">ok</a><div class="x <a href="https://after.example/">after</a>`;
    expect(extractLinks({ html, text: null }).map((link) => link.url)).toEqual(["https://ok.example/"]);
  });
});

describe("text URLs", () => {
  const cases: Array<[string, string, string[]]> = [
    ["a sentence's full stop", "See https://example.com/a.", ["https://example.com/a"]],
    [
      "a comma and a question mark",
      "Go to https://example.com/b, or https://example.com/c?",
      ["https://example.com/b", "https://example.com/c"],
    ],
    ["a query string keeps its ? and =", "https://example.com/p?x=1&y=2!", ["https://example.com/p?x=1&y=2"]],
    ["in parentheses", "(see https://example.com/d)", ["https://example.com/d"]],
    [
      "its own balanced parentheses",
      "https://en.wikipedia.org/wiki/Mail_(protocol)",
      ["https://en.wikipedia.org/wiki/Mail_(protocol)"],
    ],
    [
      "balanced, then a closing one and a stop",
      "(https://en.wikipedia.org/wiki/A_(b)).",
      ["https://en.wikipedia.org/wiki/A_(b)"],
    ],
    ["in square brackets", "[https://example.com/e]", ["https://example.com/e"]],
    ["in angle brackets", "<https://example.com/f>", ["https://example.com/f"]],
    [
      "quoted",
      `"https://example.com/g" and 'https://example.com/h'`,
      ["https://example.com/g", "https://example.com/h"],
    ],
    [
      "a trailing colon and semicolon",
      "https://example.com/i: https://example.com/j;",
      ["https://example.com/i", "https://example.com/j"],
    ],
    ["a port and a fragment", "http://example.com:8080/k#top.", ["http://example.com:8080/k#top"]],
    ["upper-case scheme", "HTTPS://EXAMPLE.COM/L", ["HTTPS://EXAMPLE.COM/L"]],
    ["CJK punctuation after it", "请访问https://example.cn/m。谢谢", ["https://example.cn/m"]],
    ["a scheme without a host", "http:// and https:///x", []],
    ["no scheme", "www.example.com and example.com/n", []],
  ];
  for (const [name, text, urls] of cases) {
    test(name, () => {
      expect(extractLinks({ html: null, text }).map((link) => link.url)).toEqual(urls);
      expect(extractLinks({ html: null, text }).every((link) => link.text === "")).toBe(true);
    });
  }
});

describe("together", () => {
  test("anchors first, then text URLs the anchors did not give, each once", () => {
    const html = `<a href="https://example.com/2">Two</a><a href="https://example.com/1">One</a>`;
    const text =
      "One: https://example.com/1\nThree: https://example.com/3\nThree again: https://example.com/3";
    expect(extractLinks({ html, text })).toEqual([
      { url: "https://example.com/2", text: "Two" },
      { url: "https://example.com/1", text: "One" },
      { url: "https://example.com/3", text: "" },
    ]);
  });

  test("at most 200 links", () => {
    const html = Array.from({ length: 150 }, (_, i) => `<a href="https://example.com/h${i}">${i}</a>`).join(
      "",
    );
    const text = Array.from({ length: 150 }, (_, i) => `https://example.com/t${i}`).join("\n");
    const links = extractLinks({ html, text });
    expect(links.length).toBe(200);
    expect(links[149]?.url).toBe("https://example.com/h149");
    expect(links[199]?.url).toBe("https://example.com/t49");
  });

  test("nothing in, nothing out", () => {
    expect(extractLinks({ html: null, text: null })).toEqual([]);
    expect(extractLinks({ html: "", text: "" })).toEqual([]);
  });
});

describe("hostile input, linear time", () => {
  /** extractLinks of `input(n)` takes time linear in `n` (tests/helpers/linear-time.ts). */
  const linear = (size: number, input: (n: number) => Parameters<typeof extractLinks>[0]) =>
    expectLinearTime((n) => {
      const message = input(n);
      return () => extractLinks(message);
    }, size);

  test("2 MB of <a without a closing >", () => {
    linear(1024 * 1024, (n) => ({ html: "<a".repeat(n), text: null }));
  });

  test("2 MB of <a href= with an unclosed quote each", () => {
    linear(230_000, (n) => ({ html: '<a href="'.repeat(n), text: null }));
  });

  test("2 MB of anchors that each open and never close", () => {
    linear(72_000, (n) => ({ html: '<a href="https://x.example/">'.repeat(n), text: null }));
  });

  test("2 MB of &#", () => {
    linear(1024 * 1024, (n) => ({ html: `<a href="https://x.example/">${"&#".repeat(n)}</a>`, text: null }));
  });

  test("1 MB of http:// repeated", () => {
    linear(150_000, (n) => ({ html: null, text: "http://".repeat(n) }));
  });

  test("1 MB of http:// with spaces between", () => {
    linear(131_072, (n) => ({ html: null, text: "http:// ".repeat(n) }));
  });

  test("1 MB of closing parentheses after a URL", () => {
    linear(1024 * 1024, (n) => ({ html: null, text: `http://example.com/${")".repeat(n)}` }));
  });
});
