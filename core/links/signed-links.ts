import { bytesToBase64, hmacSha256, randomBytes, verifyHmacSha256 } from "../crypto";

/**
 * Links a webhook receiver can open without an API key: a message's raw bytes
 * and its attachments, as `…/v1/messages/{id}/raw?expires=<unix>&sig=<mac>`.
 * The MAC is HMAC-SHA256, keyed with the tenant's link key, over the path from
 * `/v1/` and the expiry, so a link opens the one object it names until then,
 * and a changed byte, another id or a later expiry does not verify. Rotating
 * the tenant's key (POST /v1/signing-keys/rotate) invalidates every earlier
 * link. Verification compares in constant time. The Worker (Web Crypto) signs
 * and checks exactly as Bun (its hasher) does: core/crypto.ts.
 */

const encoder = new TextEncoder();
const KEY_PREFIX = "olk_";

/** A new link key: `olk_` and 32 random bytes, base64url. */
export function generateLinkKey(): string {
  return `${KEY_PREFIX}${toBase64Url(randomBytes(32))}`;
}

function toBase64Url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const base64 = text.replaceAll("-", "+").replaceAll("_", "/");
  try {
    return Uint8Array.from(atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4)), (char) =>
      char.charCodeAt(0),
    );
  } catch {
    return null;
  }
}

const linkKeyBytes = (linkKey: string) => encoder.encode(linkKey);

/** What is signed: the path from `/v1/` (so a proxy's path prefix does not matter) and the expiry. */
function signedText(path: string, expires: number): Uint8Array<ArrayBuffer> {
  const from = path.indexOf("/v1/");
  return encoder.encode(`${from >= 0 ? path.slice(from) : path}\n${expires}`) as Uint8Array<ArrayBuffer>;
}

/** `url` with `expires` and `sig` added, keyed with the tenant's link key. */
export async function signUrl(url: string, linkKey: string, expires: number): Promise<string> {
  const parsed = new URL(url);
  const mac = await hmacSha256(linkKey, linkKeyBytes, signedText(parsed.pathname, expires));
  parsed.searchParams.set("expires", String(expires));
  parsed.searchParams.set("sig", toBase64Url(mac));
  return parsed.toString();
}

export type LinkCheck = { ok: true } | { ok: false; reason: "malformed" | "signature" | "expired" };

/** Checks a link's `expires` and `sig` for `path` (the request's path). */
export async function checkSignedLink(input: {
  path: string;
  expires: string;
  sig: string;
  linkKey: string;
  now?: number;
}): Promise<LinkCheck> {
  const expires = /^\d{1,12}$/.test(input.expires) ? Number(input.expires) : null;
  const mac = fromBase64Url(input.sig);
  if (expires === null || mac === null || mac.length !== 32) return { ok: false, reason: "malformed" };
  const valid = await verifyHmacSha256(input.linkKey, linkKeyBytes, mac, signedText(input.path, expires));
  if (!valid) return { ok: false, reason: "signature" };
  if (expires * 1000 <= (input.now ?? Date.now())) return { ok: false, reason: "expired" };
  return { ok: true };
}

/** The data of a message (a webhook's, an event's, the API's) whose links get signed. */
interface WithLinks {
  raw_url: string;
  attachments: Array<{ url: string }>;
}

/**
 * The same data with `raw_url` and every attachment `url` signed, each with
 * `expires_at` beside it (ISO 8601). Data without those fields is returned as is.
 */
export async function signMessageLinks<T>(
  data: T,
  linkKey: string,
  ttlSeconds: number,
  now = Date.now(),
): Promise<T> {
  if (!hasLinks(data)) return data;
  const { expires, expiresAt } = linkExpiry(ttlSeconds, now);
  return {
    ...data,
    raw_url: await signUrl(data.raw_url, linkKey, expires),
    expires_at: expiresAt,
    attachments: await Promise.all(
      data.attachments.map(async (attachment) => ({
        ...attachment,
        url: await signUrl(attachment.url, linkKey, expires),
        expires_at: expiresAt,
      })),
    ),
  };
}

/** When links signed at `now` stop opening: unix seconds (in the URL) and ISO 8601 (`expires_at`). */
function linkExpiry(ttlSeconds: number, now: number): { expires: number; expiresAt: string } {
  const expires = Math.floor(now / 1000) + ttlSeconds;
  return { expires, expiresAt: new Date(expires * 1000).toISOString() };
}

function hasLinks(data: unknown): data is WithLinks {
  if (typeof data !== "object" || data === null) return false;
  const candidate = data as Partial<WithLinks>;
  return typeof candidate.raw_url === "string" && Array.isArray(candidate.attachments);
}

/**
 * A `message.received` body (`{"type":…,"timestamp":…,"data":{…}}`) with its
 * links signed: exactly what JSON.stringify of the parsed body with its data
 * through signMessageLinks gives (`raw_url` signed in place, `expires_at` last
 * in `data`). A message without attachments, most mail, is signed in the text
 * itself: the body is ours (fitPayload and the event log write it), a JSON
 * string cannot hold an unescaped quote, so `"raw_url":"` and `"attachments":`
 * can only be its keys, and `data` closes the body. Anything else is parsed.
 */
export async function signBodyLinks(
  body: string,
  linkKey: string,
  ttlSeconds: number,
  now = Date.now(),
): Promise<string> {
  const inPlace = await signLinksInText(body, linkKey, ttlSeconds, now);
  if (inPlace !== null) return inPlace;
  const event = JSON.parse(body) as { data: unknown };
  return JSON.stringify({ ...event, data: await signMessageLinks(event.data, linkKey, ttlSeconds, now) });
}

const RAW_URL_KEY = '"raw_url":"';

/** signBodyLinks without parsing, or null when the body is not one it can sign in place. */
export async function signLinksInText(
  body: string,
  linkKey: string,
  ttlSeconds: number,
  now: number,
): Promise<string | null> {
  if (!body.endsWith("}}")) return null;
  const attachments = body.indexOf('"attachments":');
  if (attachments < 0 || !body.startsWith("[]", attachments + '"attachments":'.length)) return null;
  const key = body.lastIndexOf(RAW_URL_KEY);
  if (key < 0) return null;
  const start = key + RAW_URL_KEY.length;
  const end = body.indexOf('"', start);
  const rawUrl = body.slice(start, end);
  if (end < 0 || rawUrl.includes("\\")) return null;
  const { expires, expiresAt } = linkExpiry(ttlSeconds, now);
  const signed = JSON.stringify(await signUrl(rawUrl, linkKey, expires));
  return `${body.slice(0, start - 1)}${signed}${body.slice(end + 1, -2)},"expires_at":${JSON.stringify(expiresAt)}}}`;
}
