import type { SMTPServerAddress } from "smtp-server";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";
import { replies, type SmtpReply } from "./replies";

/**
 * 8-bit envelope addresses (RFC 6531). smtp-server decodes MAIL and RCPT lines
 * as UTF-8, so Latin-1 bytes arrive as U+FFFD, and it turns an ASCII A-label
 * domain (`xn--bcher-kva.example`) into Unicode: from the address it hands us
 * we cannot tell what was on the wire. This records, beside each parsed
 * address, whether the command line was ASCII, UTF-8 or other 8-bit bytes
 * (smtp-server 3.21 `_parseAddressCommand` gets the raw line as a Buffer).
 */
const PATCHED = Symbol.for("omnimail.addressEncoding");
const ENCODING = Symbol.for("omnimail.addressEncoding.value");

export type LineEncoding = "ascii" | "utf8" | "8bit";

type ParseFn = (
  name: string,
  raw: Buffer | string,
) => (SMTPServerAddress & { [ENCODING]?: LineEncoding }) | false;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function classify(raw: Buffer | string): LineEncoding {
  if (typeof raw === "string") {
    if (!/[^\p{ASCII}]/u.test(raw)) return "ascii";
    return raw.includes("\uFFFD") ? "8bit" : "utf8";
  }
  if (!raw.some((byte) => byte >= 0x80)) return "ascii";
  try {
    strictUtf8.decode(raw);
    return "utf8";
  } catch {
    return "8bit";
  }
}

export function installAddressEncoding(): void {
  const prototype = SMTPConnection.prototype as unknown as {
    _parseAddressCommand: ParseFn;
    [PATCHED]?: true;
  };
  if (prototype[PATCHED]) return;
  const original = prototype._parseAddressCommand;
  prototype._parseAddressCommand = function parseAddressCommand(this: unknown, name, raw) {
    const parsed = original.call(this, name, raw);
    if (parsed) Object.defineProperty(parsed, ENCODING, { value: classify(raw), enumerable: false });
    return parsed;
  };
  prototype[PATCHED] = true;
}

/** Whether this MAIL command carried the SMTPUTF8 parameter (RFC 6531 §3.4). */
export function usedSmtputf8(mailFrom: SMTPServerAddress | false | undefined): boolean {
  const args = mailFrom ? mailFrom.args : false;
  return args ? (args as Record<string, unknown>).SMTPUTF8 === true : false;
}

/**
 * The refusal for an address whose line was 8-bit: without SMTPUTF8 on the
 * transaction's MAIL FROM, 553 5.6.7 (RFC 6531 §3.5); with it, 553 5.6.7 too
 * when the bytes are not UTF-8 (RFC 6531 §3.3: addresses are UTF-8). Null: fine.
 */
export function eightBitRefusal(address: SMTPServerAddress, smtputf8: boolean): SmtpReply | null {
  const encoding = (address as { [ENCODING]?: LineEncoding })[ENCODING] ?? "ascii";
  if (encoding === "ascii") return null;
  if (!smtputf8) return replies.nonAsciiWithoutSmtputf8();
  return encoding === "8bit" ? replies.addressNotUtf8() : null;
}
