import { base64ToBytes, bytesToBase64, hmacSha256, randomBytes } from "../crypto";

/**
 * Standard Webhooks signatures (standard-webhooks/standard-webhooks,
 * spec/standard-webhooks.md): HMAC-SHA256 over `id.timestamp.body` with the
 * secret's bytes, sent as `webhook-signature: v1,<base64>`. The same bytes on
 * the Worker (Web Crypto) as on Bun (its hasher: core/crypto.ts). Any Standard Webhooks library verifies it.
 */
const SECRET_PREFIX = "whsec_";
const encoder = new TextEncoder();

export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${bytesToBase64(randomBytes(32))}`;
}

export function isWebhookSecret(secret: string): boolean {
  return (
    secret.startsWith(SECRET_PREFIX) && /^[A-Za-z0-9+/]+={0,2}$/.test(secret.slice(SECRET_PREFIX.length))
  );
}

const secretBytes = (secret: string) => base64ToBytes(secret.slice(SECRET_PREFIX.length));

export async function signWebhook(input: {
  secret: string;
  id: string;
  timestampSeconds: number;
  body: string;
}): Promise<string> {
  const signed = encoder.encode(`${input.id}.${input.timestampSeconds}.${input.body}`);
  const mac = await hmacSha256(input.secret, secretBytes, signed);
  return `v1,${bytesToBase64(mac)}`;
}

/**
 * The three headers of a signed delivery. The timestamp is the send time: a retry is signed anew.
 * One signature per secret, space-separated, as the spec allows (`v1,<a> v1,<b>`): during a
 * rotation's grace period the endpoint's current secret and the one it replaced both sign, so a
 * receiver verifies with whichever it has deployed.
 */
export async function webhookHeaders(input: {
  secrets: readonly string[];
  id: string;
  body: string;
  now: number;
}): Promise<Record<string, string>> {
  if (input.secrets.length === 0) throw new Error("a webhook needs at least one signing secret");
  const timestampSeconds = Math.floor(input.now / 1000);
  const signatures = await Promise.all(
    input.secrets.map((secret) => signWebhook({ secret, id: input.id, timestampSeconds, body: input.body })),
  );
  return {
    "webhook-id": input.id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": signatures.join(" "),
  };
}
