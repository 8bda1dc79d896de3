/** Small helpers over Web Crypto, so core runs unchanged on Bun and on Workers. */

const encoder = new TextEncoder();

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  // Web Crypto refuses a view over shared memory: such bytes are hashed from a copy.
  const own = bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice();
  const digest = await crypto.subtle.digest("SHA-256", own as Uint8Array<ArrayBuffer>);
  return bytesToHex(new Uint8Array(digest));
}

export function bytesToHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * A random base62 string. Rejection sampling keeps every character uniform
 * (a plain `byte % 62` would favour the first eight characters).
 */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62.charAt(byte % 62);
    }
  }
  return out;
}

/** Compares two strings in time independent of where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let diff = left.length ^ right.length;
  for (let i = 0; i < left.length; i++) diff |= (left[i] ?? 0) ^ (right[i % right.length] ?? 0);
  return diff === 0;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Imported HMAC keys kept per process (or isolate): a drain signs every delivery with a few secrets. */
const HMAC_KEYS_KEPT = 256;
const hmacKeys = new Map<string, Promise<CryptoKey>>();

/**
 * An HMAC-SHA256 key for `secret` (its bytes from `bytesOf`), imported once and
 * kept, least recently used dropped past a few hundred. Non-extractable, as
 * every key here is; a failed import is not kept.
 */
export function hmacSha256Key(
  secret: string,
  bytesOf: (secret: string) => Uint8Array,
  usage: "sign" | "verify",
): Promise<CryptoKey> {
  const cacheKey = `${usage}:${secret}`;
  const kept = hmacKeys.get(cacheKey);
  if (kept) {
    hmacKeys.delete(cacheKey);
    hmacKeys.set(cacheKey, kept);
    return kept;
  }
  const key = crypto.subtle.importKey(
    "raw",
    bytesOf(secret) as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    [usage],
  );
  hmacKeys.set(cacheKey, key);
  key.catch(() => hmacKeys.delete(cacheKey));
  if (hmacKeys.size > HMAC_KEYS_KEPT) hmacKeys.delete(hmacKeys.keys().next().value as string);
  return key;
}
