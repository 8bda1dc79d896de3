import { randomBytes } from "./crypto";

/**
 * Our ids: a type prefix and a 26-character ULID-style body (48-bit millisecond
 * time, 80 random bits, Crockford base32). They sort by creation time, so
 * "newest first" is `ORDER BY id DESC` and the id doubles as a stable cursor.
 * Within one millisecond the random part is incremented, so ids made by one
 * process are strictly increasing (the ULID monotonic rule).
 */
export const ID_PREFIXES = {
  tenant: "tnt",
  apiKey: "key",
  attempt: "atm",
  domain: "dom",
  mailbox: "mbx",
  message: "msg",
  attachment: "att",
  webhook: "wh",
  delivery: "dlv",
  delegation: "dlg",
  rule: "rul",
  rejection: "rej",
  rcptHook: "rch",
  thread: "thr",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_BYTES = 10;

let lastTime = -1;
let lastRandom: Uint8Array = new Uint8Array(RANDOM_BYTES);

function nextRandom(now: number): Uint8Array {
  if (now > lastTime) {
    lastTime = now;
    lastRandom = randomBytes(RANDOM_BYTES);
    return lastRandom;
  }
  // Same (or a clock that went back) millisecond: increment the previous value.
  const next = new Uint8Array(lastRandom);
  for (let i = RANDOM_BYTES - 1; i >= 0; i--) {
    const byte = next[i] ?? 0;
    if (byte < 255) {
      next[i] = byte + 1;
      break;
    }
    next[i] = 0;
  }
  lastRandom = next;
  return next;
}

function encodeTime(time: number): string {
  let out = "";
  let rest = time;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET.charAt(rest % 32) + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  // 80 bits → 16 base32 characters, 5 bits at a time.
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET.charAt((buffer >>> (bits - 5)) & 31);
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

export function newId(kind: IdKind, now: number = Date.now()): string {
  const time = Math.max(now, lastTime);
  return `${ID_PREFIXES[kind]}_${encodeTime(time)}${encodeRandom(nextRandom(time))}`;
}

/** The smallest id of that kind made at `time`: `id < idAt(kind, t)` selects what was made before t. */
export function idAt(kind: IdKind, time: number): string {
  return `${ID_PREFIXES[kind]}_${encodeTime(Math.max(0, Math.floor(time)))}${"0".repeat(16)}`;
}

const ID_BODY = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/**
 * A `message.received` delivery is made inside the commit, one per matching
 * endpoint (core/outbox/enqueue.ts): its id is the copy's delivery id, `_`, and
 * the endpoint id's body. Still time-ordered, still unique.
 */
const DELIVERY_BODY = /^[0-9A-HJKMNP-TV-Z]{26}(_[0-9A-HJKMNP-TV-Z]{26})?$/;

/** True when `value` looks like one of our ids of that kind (cheap input check before a query). */
export function isId(kind: IdKind, value: string): boolean {
  const prefix = `${ID_PREFIXES[kind]}_`;
  const body = kind === "delivery" ? DELIVERY_BODY : ID_BODY;
  return value.startsWith(prefix) && body.test(value.slice(prefix.length));
}
