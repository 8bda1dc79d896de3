import { z } from "@hono/zod-openapi";
import { KINDS } from "../../../core/resources/messages";
import { problems } from "../../problem";
import { PaginationQuery, queryInteger, queryText } from "../../schemas";

const timeParam = (name: string, description: string) =>
  queryText(100)
    .optional()
    .openapi({ param: { name, in: "query" }, description, example: "2026-11-25T00:00:00Z" });

export const MessageFilterQuery = PaginationQuery.extend({
  q: queryText(500)
    .optional()
    .openapi({
      param: { name: "q", in: "query" },
      description:
        "Full-text search over subject, from, to and body: every word must match; `word*` matches a prefix; accents are ignored",
    }),
  from: queryText(320)
    .optional()
    .openapi({ param: { name: "from", in: "query" }, description: "Sender contains" }),
  to: queryText(320)
    .optional()
    .openapi({ param: { name: "to", in: "query" }, description: "To/Cc/envelope recipient contains" }),
  subject: queryText(500)
    .optional()
    .openapi({ param: { name: "subject", in: "query" }, description: "Subject contains" }),
  since: timeParam("since", "Received at or after (ISO 8601)"),
  until: timeParam("until", "Received at or before (ISO 8601)"),
  unread: z
    .enum(["true", "false", "1", "0"])
    .optional()
    .openapi({ param: { name: "unread", in: "query" }, description: "Only unread messages" }),
  kind: z
    .enum(KINDS)
    .optional()
    .openapi({
      param: { name: "kind", in: "query" },
      description: "Only this kind of mail: human, auto_reply, bounce, list, automated",
    }),
  quarantined: z
    .enum(["true", "false", "1", "0"])
    .optional()
    .openapi({
      param: { name: "quarantined", in: "query" },
      description:
        "true: only the mail a quarantine rule held (release it with POST /v1/messages/{id}/release); otherwise none of it",
    }),
});

export const MAX_WAIT_SECONDS = 60;

export const WaitQuery = z.object({
  after: queryText(64)
    .optional()
    .openapi({
      param: { name: "after", in: "query" },
      description:
        "A message id: answer with the messages stored after it. Without it, with those stored after the request arrived.",
      example: "msg_01JZ0000000000000000000000",
    }),
  timeout: queryInteger(0, MAX_WAIT_SECONDS, 30).openapi({
    param: { name: "timeout", in: "query" },
    description: `Seconds to wait before answering 204 (0-${MAX_WAIT_SECONDS})`,
    example: 30,
    // Stated in full: with min(0) the generator would also allow null (which coerces to 0).
    type: "integer",
    minimum: 0,
    maximum: MAX_WAIT_SECONDS,
    default: 30,
  }),
  limit: PaginationQuery.shape.limit,
  // Wait for the message you need: "from noreply@x with a code" in one request.
  q: MessageFilterQuery.shape.q,
  from: MessageFilterQuery.shape.from,
  subject: MessageFilterQuery.shape.subject,
  kind: MessageFilterQuery.shape.kind,
});

export function parseTime(value: string | undefined, location: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw problems.invalid(`${location} is not a date`, [
      { location, message: "must be an ISO 8601 date-time" },
    ]);
  }
  return ms;
}

/**
 * A sender's Content-Type, if it is safe to repeat in our header: `type/subtype`
 * of RFC 6838 name characters, with `; name=value` parameters of token
 * characters or quoted printable ASCII. Anything else (control characters,
 * 8-bit or non-Latin-1 text such as `application/x-\u202e`, which Headers
 * refuses outright) is served as `application/octet-stream`; the message JSON
 * keeps the original.
 */
export function servedContentType(contentType: string | null | undefined): string {
  const value = (contentType ?? "").trim();
  return value.length <= 255 && SAFE_CONTENT_TYPE.test(value) ? value : "application/octet-stream";
}

const NAME = "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}";
const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
const SAFE_CONTENT_TYPE = new RegExp(
  `^${NAME}/${NAME}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*"))*$`,
);

/** Longest name we put in a header, in characters: longer names are cut (the JSON keeps them whole). */
const MAX_FILENAME_CHARS = 200;

/**
 * Attachment names go into a header as RFC 6266 / RFC 8187: `filename*=UTF-8''…`
 * carries the name percent-encoded (every byte outside attr-char), and
 * `filename="…"` a plain-ASCII fallback for old clients. Never a raw byte of
 * the sender's: control characters, bidirectional overrides (a U+202E that
 * shows `evil\u202etxt.exe` as `evilexe.txt`), lone surrogates and path
 * separators become `_`; an empty name is `attachment`.
 */
export function contentDisposition(filename: string | null): string {
  const cleaned = Array.from((filename ?? "").replace(LONE_SURROGATE, "_"))
    .slice(0, MAX_FILENAME_CHARS)
    .join("")
    .replace(UNSAFE_IN_NAME, "_")
    .trim();
  const name = cleaned === "" || /^[._]+$/.test(cleaned) ? "attachment" : cleaned;
  // The fallback: printable ASCII bar the quoted-string specials and `%` (some clients decode %XX there).
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/gu, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeRfc8187(name)}`;
}

// C0, DEL, C1, bidi controls and marks, line and paragraph separators, U+FFFD, / and \.
const UNSAFE_IN_NAME = /[\p{Cc}\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufffd/\\]/gu;
// Half a surrogate pair cannot be encoded as UTF-8 (encodeURIComponent throws on it).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** RFC 8187 value-chars: attr-char as is, every other UTF-8 byte as %XX. */
function encodeRfc8187(value: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(value)) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9!#$&+.^_`|~-]/.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Untrusted bytes: never sniffed, never rendered in our origin with script. */
export const UNTRUSTED_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "sandbox; default-src 'none'",
  "Cache-Control": "private, no-store",
};
