// Proves classifyMessage on real mail from the shared corpus: most of sisimai's bounce collection (about
// 80 MTAs and providers) is classified as a bounce with a recipient or a diagnostic, and across every
// corpus message classification never throws and stays within a time bound. Skips when the corpus is absent.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { basename, relative } from "node:path";
import { classifyMessage } from "../../core/classify/kind";
import { parseMessage } from "../../core/messages/parse";
import { listEml, requireOrSkip, sharedPath } from "../helpers/shared";

/**
 * Measured: 72 of 84 (85.7 %). The 12 others: six files with CR-only line ends, which postal-mime
 * reads as one header line (no body, no From, no Subject); sisimai's three non-bounces; its RFC 3834
 * auto-reply and its ARF abuse report (not bounces either); an fml list's "you are not a member"
 * notice (list mail); and an Apache James notice whose body postal-mime finds no text in (its
 * multipart/alternative has the boundary parameter on a line of its own).
 */
const MIN_BOUNCE_FRACTION = 0.85;
/** Per message, for classification alone (the parse is not timed): the worst measured is about 4 ms. */
const MAX_MS_PER_MESSAGE = 100;

/** The envelope is unknown for a stored file: a non-null sender, so only the message's own content counts. */
const ENVELOPE_FROM = "corpus@example.org";

const corpus = sharedPath("corpus");
const sisimai = sharedPath("corpus/sisimai-set-of-emails");
if (sisimai === null)
  requireOrSkip("the sisimai bounce collection at ../shared/corpus/sisimai-set-of-emails");
const allFiles = corpus ? listEml(corpus) : [];
if (allFiles.length === 0) requireOrSkip("the shared corpus: no .eml files in ../shared/corpus");

async function classifyFile(path: string) {
  const parsed = await parseMessage(new Uint8Array(readFileSync(path)));
  if (!parsed.ok) return { parsed: false as const };
  const started = performance.now();
  const result = classifyMessage({ ...parsed.content, envelopeFrom: ENVELOPE_FROM });
  return { parsed: true as const, result, ms: performance.now() - started };
}

describe("real mail", () => {
  test.skipIf(sisimai === null)(
    "sisimai's bounce collection: most are bounces with a recipient or a diagnostic",
    async () => {
      const files = listEml(sisimai ?? "");
      const missed: string[] = [];
      for (const file of files) {
        const outcome = await classifyFile(file);
        const found =
          outcome.parsed &&
          outcome.result.kind === "bounce" &&
          (outcome.result.bounce ?? []).some((r) => r.final_recipient !== null || r.diagnostic_code !== null);
        if (!found) missed.push(basename(file));
      }
      const fraction = (files.length - missed.length) / files.length;
      console.info(
        `sisimai: ${files.length - missed.length} of ${files.length} (${(fraction * 100).toFixed(1)} %) classified as bounces with a recipient or diagnostic; not: ${missed.join(", ")}`,
      );
      expect(files.length).toBeGreaterThan(50);
      expect(fraction).toBeGreaterThanOrEqual(MIN_BOUNCE_FRACTION);
    },
  );

  test.skipIf(allFiles.length === 0)(
    `every corpus message (${allFiles.length}) classifies without throwing, in bounded time`,
    async () => {
      const slow: string[] = [];
      let classified = 0;
      for (const file of allFiles) {
        const outcome = await classifyFile(file);
        if (!outcome.parsed) continue;
        classified++;
        if (outcome.ms > MAX_MS_PER_MESSAGE)
          slow.push(`${relative(corpus ?? "", file)}: ${outcome.ms.toFixed(1)} ms`);
      }
      expect(slow).toEqual([]);
      expect(classified).toBeGreaterThan(allFiles.length * 0.9);
    },
  );
});
