import type { CryptoProvider } from "../core/crypto";

/**
 * Bun's hasher for core/crypto.ts: synchronous, and it reads the bytes where
 * they are (shared memory too), where each Web Crypto call is asynchronous
 * and costs ~30 µs of CPU on Bun whatever its size.
 */
export const bunCrypto: CryptoProvider = {
  // A copy of the digest: the Buffer it comes in may be a view into a larger one.
  sha256: (data) => new Uint8Array(new Bun.CryptoHasher("sha256").update(data).digest()),
  hmacSha256: (key, data) => new Uint8Array(new Bun.CryptoHasher("sha256", key).update(data).digest()),
};
