import { bytesToBase64, hmacSha256, randomBytes } from "../crypto";

/**
 * Reply-address tokens: `<local>+<token>@<domain>` gives each conversation an
 * address that carries the app's `ref` and cannot be forged or extended. The
 * token is lowercase base32 (RFC 4648 alphabet, lowercased: local parts are
 * case-insensitive in practice, and some MTAs lowercase them):
 *
 *   r <flag> <expiry: 7 chars, unix seconds> <MAC: 16 chars, 80 bits> <ref: base32 of its UTF-8>
 *
 * `flag` is `1`, or `2` when the address is bound to one sender (the MAC then
 * covers that sender's address, which is not in the token). The MAC is
 * HMAC-SHA256 with the tenant's reply key over the mailbox id, expiry, flag,
 * sender and ref, so a token works only for the mailbox and tenant that made
 * it. Verified at RCPT TO, before any DATA. Web Crypto only (Bun and Workers).
 */

const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const EXPIRY_CHARS = 7;
const MAC_CHARS = 16;
const MAC_BYTES = 10;
/** `r`, flag, expiry and MAC: what a token costs before its ref. */
export const TOKEN_OVERHEAD = 2 + EXPIRY_CHARS + MAC_CHARS;
/**
 * A subaddress of this shape is a reply token (and is refused when it does not
 * verify): `r1`/`r2`, an expiry whose first character is `b` or `c` (unix
 * seconds from 2004 to 2071 in 7 base32 characters), the MAC, and at least one
 * byte of ref. The expiry's first character keeps ordinary tags that happen to
 * be long and lowercase ("r2d2starwarsfanclub…") out.
 */
const TOKEN_SHAPE = new RegExp(`^r[12][bc][${ALPHABET}]{${EXPIRY_CHARS - 1 + MAC_CHARS + 2},}$`);
/** RFC 5321 §4.5.3.1.1: a local part is at most 64 octets. */
export const MAX_LOCAL_PART = 64;

const encoder = new TextEncoder();

export function generateReplyKey(): string {
  return `ork_${bytesToBase64(randomBytes(32))}`;
}

function base32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

function unbase32(text: string): Uint8Array | null {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) return null;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 255);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  return Uint8Array.from(out);
}

function encodeNumber(value: number, chars: number): string {
  let out = "";
  let rest = value;
  for (let i = 0; i < chars; i++) {
    out = ALPHABET.charAt(rest % 32) + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function decodeNumber(text: string): number {
  let value = 0;
  for (const char of text) value = value * 32 + ALPHABET.indexOf(char);
  return value;
}

async function mac(input: {
  replyKey: string;
  mailboxId: string;
  expires: number;
  flag: "1" | "2";
  sender: string;
  ref: string;
}): Promise<string> {
  const text = [
    "reply-v1",
    input.mailboxId,
    input.expires,
    input.flag,
    input.sender.toLowerCase(),
    input.ref,
  ];
  const digest = await hmacSha256(
    input.replyKey,
    (replyKey) => encoder.encode(replyKey),
    encoder.encode(text.join("\n")),
  );
  return base32(digest.subarray(0, MAC_BYTES));
}

/** The most bytes of `ref` a token can carry after `local+` within 64 octets. */
export function maxRefBytes(localPart: string): number {
  const room = MAX_LOCAL_PART - encoder.encode(localPart).byteLength - 1 - TOKEN_OVERHEAD;
  return Math.max(0, Math.floor((room * 5) / 8));
}

export async function makeReplyToken(input: {
  replyKey: string;
  mailboxId: string;
  ref: string;
  expires: number;
  sender?: string | undefined;
}): Promise<string> {
  const flag = input.sender ? "2" : "1";
  const refText = base32(encoder.encode(input.ref));
  const signature = await mac({ ...input, flag, sender: input.sender ?? "", ref: refText });
  return `r${flag}${encodeNumber(input.expires, EXPIRY_CHARS)}${signature}${refText}`;
}

export function looksLikeReplyToken(subaddress: string): boolean {
  return TOKEN_SHAPE.test(subaddress.toLowerCase());
}

export type ReplyTokenCheck =
  | { ok: true; ref: string }
  | { ok: false; reason: "forged" | "expired" | "wrong-sender" };

/** Checks a subaddress that looks like a token, for `mailFrom`, in constant time over the MAC. */
export async function checkReplyToken(input: {
  token: string;
  replyKey: string;
  mailboxId: string;
  mailFrom: string;
  now?: number;
}): Promise<ReplyTokenCheck> {
  const token = input.token.toLowerCase();
  const flag = token[1] === "2" ? "2" : "1";
  const expires = decodeNumber(token.slice(2, 2 + EXPIRY_CHARS));
  const given = token.slice(2 + EXPIRY_CHARS, 2 + EXPIRY_CHARS + MAC_CHARS);
  const refText = token.slice(TOKEN_OVERHEAD);
  const refBytes = unbase32(refText);
  const sender = flag === "2" ? input.mailFrom : "";
  const expected = await mac({ ...input, expires, flag, sender, ref: refText });
  if (!refBytes || !equalInConstantTime(given, expected)) {
    return { ok: false, reason: flag === "2" ? "wrong-sender" : "forged" };
  }
  if (expires * 1000 <= (input.now ?? Date.now())) return { ok: false, reason: "expired" };
  const ref = new TextDecoder("utf-8", { fatal: false }).decode(refBytes);
  return { ok: true, ref };
}

function equalInConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
