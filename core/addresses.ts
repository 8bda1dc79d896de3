/**
 * Address and domain normalisation. Domains are matched case-insensitively and
 * stored in their ASCII (punycode) form; local parts are kept as given and
 * matched case-insensitively. Web APIs only: the URL parser does IDNA.
 */

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** `Bücher.Example` → `xn--bcher-kva.example`; null when it is not a usable domain name. */
export function normalizeDomain(input: string): string | null {
  const trimmed = input.trim().replace(/\.$/, "");
  if (trimmed === "" || trimmed.length > 253 || /[\s/\\?#@:[\]%]/.test(trimmed)) return null;
  let ascii: string;
  try {
    ascii = new URL(`http://${trimmed}/`).hostname;
  } catch {
    return null;
  }
  const labels = ascii.split(".");
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return null;
  // A domain whose last label is all digits is an IP address in disguise.
  if (/^\d+$/.test(labels[labels.length - 1] ?? "")) return null;
  return ascii;
}

export interface EmailAddress {
  localPart: string;
  /** ASCII, lower case. */
  domain: string;
}

/** Splits `local@domain` at the last `@` and normalises the domain. */
export function parseEmailAddress(input: string): EmailAddress | null {
  const at = input.lastIndexOf("@");
  if (at <= 0 || at === input.length - 1) return null;
  const localPart = input.slice(0, at);
  if (localPart.length > 64 || /[\s<>]/.test(localPart)) return null;
  const domain = normalizeDomain(input.slice(at + 1));
  return domain ? { localPart, domain } : null;
}

/** The key a local part is matched by: lower case. `*` (catch-all) stays `*`. */
export function localPartKey(localPart: string): string {
  return localPart.toLowerCase();
}

/** `alice+news` → `{ base: "alice", tag: "news" }` (subaddressing, RFC 5233). */
export function splitSubaddress(localPart: string): { base: string; tag: string | null } {
  const plus = localPart.indexOf("+");
  if (plus <= 0) return { base: localPart, tag: null };
  return { base: localPart.slice(0, plus), tag: localPart.slice(plus + 1) };
}

export const CATCH_ALL = "*";

/** RFC 5322 atext, plus any non-ASCII character except spaces and controls (RFC 6532). */
const ATOM = /^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|(?![\p{White_Space}\p{Cc}\p{Cf}])[\u0080-\u{10FFFF}])+$/u;

/**
 * A local part we will create a mailbox for: `*` (the catch-all) or a dot-atom
 * (`first.last`, `team+ops`) of at most 64 bytes. Quoted local parts
 * (`"a b"@x`) are valid mail but are refused here: no one can type them
 * reliably, and they would only ever be reached by the catch-all anyway.
 */
export function isValidMailboxLocalPart(localPart: string): boolean {
  if (localPart === CATCH_ALL) return true;
  if (new TextEncoder().encode(localPart).byteLength > 64) return false;
  return localPart.split(".").every((atom) => ATOM.test(atom));
}
