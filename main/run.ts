import type { Config } from "../core/config";
import { ListenError } from "../core/listen-error";
import { onShutdownSignal } from "../runtime/boot";
import { type BuildOverrides, buildOmniMail, type OmniMail } from "./build";

/**
 * Builds OmniMail, then runs until SIGTERM/SIGINT (graceful) with SIGHUP re-reading the certificate.
 * A listener that cannot open (a port in use) is a configuration mistake: one line naming the
 * variable, exit 1, as for a bad variable (runtime/boot.ts loadConfigOrExit).
 */
export async function runUntilSignal(config: Config, overrides: BuildOverrides): Promise<void> {
  let omnimail: OmniMail;
  try {
    omnimail = await buildOmniMail(config, overrides);
  } catch (error) {
    if (error instanceof ListenError) {
      console.error(`omnimail: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  // A renewed certificate is picked up without a restart: `kill -HUP <pid>`.
  process.on("SIGHUP", () => omnimail.reloadTls());
  onShutdownSignal(async (signal) => {
    omnimail.logger.info("shutting down", { signal });
    await omnimail.stop();
    omnimail.logger.info("stopped");
  });
}
