import type { SMTPServerAddress, SMTPServerSession } from "smtp-server";
import { eightBitRefusal, usedSmtputf8 } from "../address-encoding";
import type { CountRejection } from "../refusal-context";
import { replies } from "../replies";
import type { DeclaredHolds, FreeSpaceProbe } from "../storage-guard";

/**
 * MAIL FROM: a sender address with 8-bit bytes needs the SMTPUTF8 parameter on
 * this very command (RFC 6531 §3.4), else 553 5.6.7 (§3.5). SIZE is checked by
 * smtp-server. smtp-server sets `envelope.smtpUtf8` before calling us and never
 * clears it, so a refused `MAIL … SMTPUTF8` would leave it on for the next MAIL:
 * we set it to what the accepted MAIL said.
 */
export function createMailFromHook(
  deps: {
    /** The in-flight budget's holds for declared sizes (storage-guard.ts). */
    holds?: DeclaredHolds | undefined;
    freeSpace?: FreeSpaceProbe | undefined;
    countRejection?: CountRejection | undefined;
  } = {},
) {
  return (address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) => {
    // Back-pressure first (storage-guard.ts): a full disk, or a declared SIZE that the in-flight budget cannot hold.
    const args = address.args as Record<string, string> | false | undefined;
    const declared = Number((args === false || args === undefined ? undefined : args.SIZE) ?? 0);
    // A new transaction: whatever an earlier one of this session held goes back first.
    deps.holds?.drop(session.id);
    if (deps.freeSpace?.low() || (deps.holds && declared > 0 && !deps.holds.hold(session.id, declared))) {
      const reply = replies.insufficientStorage();
      deps.countRejection?.("insufficient_storage", { stage: "mail_from", session, reply });
      return callback(reply);
    }
    const refusal = eightBitRefusal(address, usedSmtputf8(address));
    if (refusal) deps.holds?.drop(session.id);
    session.envelope.smtpUtf8 = !refusal && usedSmtputf8(address);
    callback(refusal);
  };
}
