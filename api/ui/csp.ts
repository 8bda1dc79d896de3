/**
 * The inbox page's Content-Security-Policy. Script only from our origin (no
 * inline script, no inline event handlers, no eval); the only HTML sink is the
 * "omnimail-mail" Trusted Types policy that fills the sandboxed mail frame.
 *
 * The mail frame's srcdoc document inherits this policy on top of its own, so
 * the two allowances a rendered email needs are granted here: inline styles
 * (mail is styled inline) and images (data: for inline cid: parts; http(s)
 * only once the reader clicks "Load remote images", which the frame's own
 * policy enforces). Our own DOM is built with textContent only, so these two
 * give a message nothing in the inbox's origin.
 */
export const INBOX_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: https: http:",
  "font-src data:",
  "connect-src 'self'",
  "base-uri 'none'",
  // No form ever submits: sign-in is handled by script, so a key can never land in a URL.
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types omnimail-mail",
].join("; ");

/** Headers for every inbox response. */
export const INBOX_SECURITY_HEADERS = {
  "Content-Security-Policy": INBOX_CSP,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
};
