import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";
import { SERVER_TEXT_CODES } from "./replies";

/**
 * smtp-server adds an enhanced status code to every reply from a table keyed by
 * the reply code alone (554 → 5.6.0, 552 → 5.2.2, 421 → 4.4.2), and offers no way
 * for a hook error to carry its own. Our replies need the precise code (554 5.7.1
 * relay denied, 552 5.3.4 too big, 421 4.3.2 shutting down), so this wraps
 * `send` once: a text that already starts with an enhanced code is sent as is,
 * and the library's own too-many-clients/shutdown 421s get 4.3.2.
 */
const ENHANCED_PREFIX = /^[245]\.\d{1,3}\.\d{1,3} /;
const PATCHED = Symbol.for("omnimail.enhancedStatusCodes");

type SendFn = (code: number, data?: unknown, context?: unknown) => void;

export function installEnhancedStatusCodes(): void {
  const prototype = SMTPConnection.prototype as unknown as { send: SendFn; [PATCHED]?: true };
  if (prototype[PATCHED]) return;
  const original = prototype.send;
  prototype.send = function send(this: unknown, code: number, data?: unknown, context?: unknown) {
    if (typeof data === "string") {
      if (ENHANCED_PREFIX.test(data)) return original.call(this, code, data, false);
      const known = SERVER_TEXT_CODES.find((entry) => entry.code === code && entry.pattern.test(data));
      if (known) return original.call(this, code, `${known.enhancedCode} ${data}`, false);
    }
    return original.call(this, code, data, context);
  };
  prototype[PATCHED] = true;
}
