import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/**
 * Chromium from the distribution (Debian's `chromium` package), driven by
 * playwright-core: no browser download. `.ci/run` installs it when missing;
 * without it the browser tests skip with a message, or fail under
 * OMNIMAIL_REQUIRE_SHARED=1 (tests/helpers/shared.ts).
 */
export const CHROMIUM_PATH = process.env.OMNIMAIL_CHROMIUM_PATH ?? "/usr/bin/chromium";

export const hasChromium = existsSync(CHROMIUM_PATH);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Playwright gives every launch a fresh temporary profile.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
