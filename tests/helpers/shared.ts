import { test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

/**
 * What some tests need from outside the checkout: `../shared` beside it (the
 * MIME corpus, the hrana test server) and Debian's Chromium. A clone has none
 * of it, so those tests skip with a message. CI has all of it and sets
 * OMNIMAIL_REQUIRE_SHARED=1 (`.ci/run`): there a missing one fails the run
 * instead of passing quietly with fewer tests.
 */
const SHARED_DIR = resolve(import.meta.dir, "../../../shared");

const required = process.env.OMNIMAIL_REQUIRE_SHARED === "1";

/** The path of `../shared/<name>`, or null when it is not there. */
export function sharedPath(name: string): string | null {
  const path = resolve(SHARED_DIR, name);
  return existsSync(path) ? path : null;
}

/**
 * Call at a test file's top level when `what` is missing and the tests that
 * need it skip. Registers one failing test named for it under
 * OMNIMAIL_REQUIRE_SHARED=1 (a test, not a throw, so bun counts it in `fail`);
 * otherwise says what is skipped and why.
 */
export function requireOrSkip(what: string): void {
  if (required) {
    test(`missing: ${what}`, () => {
      throw new Error(`missing: ${what} (OMNIMAIL_REQUIRE_SHARED=1, so this is a failure, not a skip)`);
    });
    return;
  }
  console.warn(`missing: ${what}; skipping the tests that need it`);
}

/** Every `.eml` file under `dir`, its subdirectories included, sorted by path. */
export function listEml(dir: string): string[] {
  const walk = (at: string): string[] =>
    readdirSync(at, { withFileTypes: true }).flatMap((entry) => {
      const path = join(at, entry.name);
      if (entry.isDirectory()) return walk(path);
      return entry.name.endsWith(".eml") ? [path] : [];
    });
  return walk(dir).sort();
}
