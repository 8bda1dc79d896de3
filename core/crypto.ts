/** Small helpers over Web Crypto, so core runs unchanged on Bun and on Workers. */

const encoder = new TextEncoder();

/**
 * SHA-256 and HMAC-SHA256 done synchronously by the runtime. Web Crypto is
 * asynchronous, and on Bun each call costs ~30 µs of CPU however small its
 * input (an HMAC of a 70-byte URL: 33 µs; Bun's hasher: 0.6 µs), which a
 * webhook pays several times per delivery and the API once per request. The
 * Bun composition root (main/build.ts) installs Bun's hasher; the Workers keep
 * Web Crypto. Both give the same bytes (tests/core/crypto-provider.test.ts).
 */
export interface CryptoProvider {
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
}

let provider: CryptoProvider | null = null;

/** Installs (or, with null, removes) the runtime's synchronous hashing for every caller of this module. */
export function useCryptoProvider(next: CryptoProvider | null): void {
  provider = next;
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  if (provider) return bytesToHex(provider.sha256(bytes));
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
  return bytesEqualInConstantTime(encoder.encode(a), encoder.encode(b));
}

function bytesEqualInConstantTime(left: Uint8Array, right: Uint8Array): boolean {
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

/**
 * HMAC keys (imported, or as bytes for the provider) kept per process or
 * isolate: a drain signs every delivery with a few secrets. Kept by the secret
 * itself: each kind has its own prefix (`whsec_`, `olk_`, `ork_`), so one
 * string never stands for two keys.
 */
const HMAC_KEYS_KEPT = 256;
const hmacKeys = new Map<string, Promise<CryptoKey>>();
const hmacKeyBytes = new Map<string, Uint8Array>();

/** Least recently used first: a hit moves to the end; past the bound the oldest goes. */
function keep<V>(cache: Map<string, V>, key: string, make: () => V): V {
  const kept = cache.get(key);
  if (kept !== undefined) {
    cache.delete(key);
    cache.set(key, kept);
    return kept;
  }
  const value = make();
  cache.set(key, value);
  if (cache.size > HMAC_KEYS_KEPT) cache.delete(cache.keys().next().value as string);
  return value;
}

/**
 * A Web Crypto HMAC-SHA256 key for `secret` (its bytes from `bytesOf`),
 * imported once and kept. Non-extractable, as every key here is; a failed
 * import is not kept.
 */
function hmacSha256Key(
  secret: string,
  bytesOf: (secret: string) => Uint8Array,
  usage: "sign" | "verify",
): Promise<CryptoKey> {
  const cacheKey = `${usage}:${secret}`;
  return keep(hmacKeys, cacheKey, () => {
    const key = crypto.subtle.importKey(
      "raw",
      bytesOf(secret) as Uint8Array<ArrayBuffer>,
      { name: "HMAC", hash: "SHA-256" },
      false,
      [usage],
    );
    key.catch(() => hmacKeys.delete(cacheKey));
    return key;
  });
}

/** HMAC-SHA256 of `data`, keyed with `secret`'s bytes (from `bytesOf`). */
export async function hmacSha256(
  secret: string,
  bytesOf: (secret: string) => Uint8Array,
  data: Uint8Array,
): Promise<Uint8Array> {
  if (provider)
    return provider.hmacSha256(
      keep(hmacKeyBytes, secret, () => bytesOf(secret)),
      data,
    );
  const key = await hmacSha256Key(secret, bytesOf, "sign");
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, data as Uint8Array<ArrayBuffer>));
}

/** True when `mac` is the HMAC-SHA256 of `data` under `secret`; compared in constant time. */
export async function verifyHmacSha256(
  secret: string,
  bytesOf: (secret: string) => Uint8Array,
  mac: Uint8Array,
  data: Uint8Array,
): Promise<boolean> {
  if (!provider) {
    const key = await hmacSha256Key(secret, bytesOf, "verify");
    return crypto.subtle.verify("HMAC", key, mac as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>);
  }
  const expected = provider.hmacSha256(
    keep(hmacKeyBytes, secret, () => bytesOf(secret)),
    data,
  );
  return bytesEqualInConstantTime(expected, mac);
}
