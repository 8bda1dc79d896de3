import type { Config } from "../core/config";
import { onShutdownSignal } from "../runtime/boot";
import { type BuildOverrides, buildOmniMail } from "./build";

/** Builds OmniMail, then runs until SIGTERM/SIGINT (graceful) with SIGHUP re-reading the certificate. */
export async function runUntilSignal(config: Config, overrides: BuildOverrides): Promise<void> {
  const omnimail = await buildOmniMail(config, overrides);
  // A renewed certificate is picked up without a restart: `kill -HUP <pid>`.
  process.on("SIGHUP", () => omnimail.reloadTls());
  onShutdownSignal(async (signal) => {
    omnimail.logger.info("shutting down", { signal });
    await omnimail.stop();
    omnimail.logger.info("stopped");
  });
}
