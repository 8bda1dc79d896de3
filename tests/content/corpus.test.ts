// Proves that the content converters (core/content/) neither throw nor stall on real mail: every
// HTML and text body of the shared corpus goes through htmlToText, htmlToMarkdown, stripReplyHtml,
// stripReply and textToMarkdown, each call within a bound. Skipped, with a message, without the corpus.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { htmlToText } from "../../core/content/html-text";
import { htmlToMarkdown, textToMarkdown } from "../../core/content/markdown";
import { stripReply, stripReplyHtml } from "../../core/content/reply";
import { parseMessage } from "../../core/messages/parse";
import { listEml, requireOrSkip, sharedPath } from "../helpers/shared";

/** Per call. The slowest in the corpus takes a few milliseconds; this bounds a stall, not speed. */
const CALL_LIMIT_MS = 250;

const CONVERTERS: Array<[name: string, part: "html" | "text", convert: (input: string) => unknown]> = [
  ["htmlToText", "html", htmlToText],
  ["htmlToMarkdown", "html", htmlToMarkdown],
  ["stripReplyHtml", "html", stripReplyHtml],
  ["stripReply", "text", stripReply],
  ["textToMarkdown", "text", textToMarkdown],
];

const corpus = sharedPath("corpus");
const files = corpus ? listEml(corpus) : [];
if (files.length === 0) requireOrSkip("the shared corpus: no .eml files in ../shared/corpus");

describe.skipIf(files.length === 0)(
  `content converters on the shared corpus (${files.length} messages)`,
  () => {
    test("every body converts without throwing, each call within the bound", async () => {
      const problems: string[] = [];
      let htmlBodies = 0;
      for (const file of files) {
        const parsed = await parseMessage(new Uint8Array(readFileSync(file)));
        if (!parsed.ok) continue;
        const parts = { html: parsed.content.html, text: parsed.content.text };
        if (parts.html) htmlBodies++;
        for (const [name, part, convert] of CONVERTERS) {
          const input = parts[part];
          if (!input) continue;
          const started = performance.now();
          try {
            convert(input);
          } catch (error) {
            problems.push(`${relative(corpus ?? "", file)}: ${name} threw ${String(error)}`);
          }
          const elapsed = performance.now() - started;
          if (elapsed > CALL_LIMIT_MS) {
            problems.push(`${relative(corpus ?? "", file)}: ${name} took ${elapsed.toFixed(0)} ms`);
          }
        }
      }
      expect(problems).toEqual([]);
      // The run means something only if the corpus has HTML bodies to convert.
      expect(htmlBodies).toBeGreaterThan(50);
    });
  },
);
