import type { SMTPServerAddress, SMTPServerSession } from "smtp-server";
import { eightBitRefusal, usedSmtputf8 } from "../address-encoding";

/**
 * MAIL FROM: a sender address with 8-bit bytes needs the SMTPUTF8 parameter on
 * this very command (RFC 6531 §3.4), else 553 5.6.7 (§3.5). SIZE is checked by
 * smtp-server. smtp-server sets `envelope.smtpUtf8` before calling us and never
 * clears it, so a refused `MAIL … SMTPUTF8` would leave it on for the next MAIL:
 * we set it to what the accepted MAIL said.
 */
export function createMailFromHook() {
  return (address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) => {
    const refusal = eightBitRefusal(address, usedSmtputf8(address));
    session.envelope.smtpUtf8 = !refusal && usedSmtputf8(address);
    callback(refusal);
  };
}
