/**
 * Deterministic test mail for the benchmark: a 5 KB text message, a 100 KB
 * message with two base64 attachments, a big one for the memory check, and the
 * words the seeded mailbox is searched for. Lines never start with "." and
 * end with CRLF, so the bytes go on the wire as they are (no dot-stuffing).
 */

export type MessageKind = "5k" | "100k";

/** The envelope and From domain of every bench message unless a load varies it (bench-dns.ts serves its SPF and DMARC). */
export const SENDER_DOMAIN = "sender.bench.localhost";
/** The load's EHLO name (mailauth checks SPF for it when there is no envelope sender). */
export const HELO_NAME = "client.bench.localhost";
/** `d<index>.<tag>.` + this: one sender domain per message (smtp-load.ts --sender-domains). */
export const DISTINCT_SENDER_SUFFIX = "distinct.bench.localhost";

export const MESSAGE_BYTES: Record<MessageKind, number> = { "5k": 5 * 1024, "100k": 100 * 1024 };

/** In about a fifth of the seeded messages: the "common word" search. */
export const COMMON_WORD = "invoice";
/** In about one seeded message in a thousand: the "rare word" search. */
export const RARE_WORD = "zeppelin";

const WORDS = (
  "the of and to a in is it you that he was for on are with as his they be at one have this from or had by " +
  "word but what some we can out other were all there when up use your how said an each she which do their " +
  "time if will way about many then them write would like so these her long make thing see him two has look " +
  "more day could go come did number sound no most people my over know water than call first who may down " +
  "side been now find any new work part take get place made live where after back little only round man year " +
  "came show every good me give our under name very through just form sentence great think say help low line " +
  "differ turn cause much mean before move right boy old too same tell does set three want air well also play " +
  "small end put home read hand port large spell add even land here must big high such follow act why ask men " +
  "change went light kind off need house picture try us again animal point mother world near build self earth " +
  "father head stand own page should country found answer school grow study still learn plant cover food sun " +
  "four between state keep eye never last let thought city tree cross farm hard start might story saw far sea " +
  "draw left late run while press close night real life few north order shipment account payment receipt " +
  "meeting schedule report project deadline contract customer support ticket password reset verify delivery " +
  "tracking subscription newsletter discount offer quarterly budget review approval signature attached"
).split(" ");

/** Zipf-like weights: the n-th word is about 1/n as frequent as the first. */
const CUMULATIVE = (() => {
  const weights = WORDS.map((_, rank) => 1 / (rank + 1));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let running = 0;
  return weights.map((weight) => {
    running += weight / total;
    return running;
  });
})();

/** mulberry32: a tiny seeded PRNG, so every run sends and stores the same bytes. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pickWord(random: () => number): string {
  const x = random();
  let low = 0;
  let high = CUMULATIVE.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((CUMULATIVE[middle] ?? 1) < x) low = middle + 1;
    else high = middle;
  }
  return WORDS[low] ?? "the";
}

/** Prose of exactly `bytes` bytes (ASCII), in lines of at most 72 characters joined by CRLF. */
export function proseText(random: () => number, bytes: number): string {
  const lines: string[] = [];
  let length = 0;
  let line = "";
  while (length + line.length < bytes) {
    const word = pickWord(random);
    if (line.length + word.length + 1 > 72) {
      lines.push(line);
      length += line.length + 2;
      line = "";
    }
    line = line ? `${line} ${word}` : word.charAt(0).toUpperCase() + word.slice(1);
  }
  lines.push(line);
  const text = lines.join("\r\n");
  return text.length >= bytes ? text.slice(0, bytes).replace(/\r$/, "x") : text.padEnd(bytes, "x");
}

function randomBytes(random: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** Base64 in 76-character lines (RFC 2045), CRLF-joined. */
function base64Lines(bytes: Uint8Array): string {
  const encoded = Buffer.from(bytes).toString("base64");
  const lines: string[] = [];
  for (let offset = 0; offset < encoded.length; offset += 76) lines.push(encoded.slice(offset, offset + 76));
  return lines.join("\r\n");
}

function headerBlock(input: { from: string; to: string; subject: string; contentType: string }): string {
  return [
    `From: Bench Sender <${input.from}>`,
    `To: Bench Recipient <${input.to}>`,
    `Subject: ${input.subject}`,
    "Date: Wed, 25 Nov 2026 10:00:00 +0000",
    "Message-ID: <bench.0001@sender.bench.localhost>",
    "MIME-Version: 1.0",
    `Content-Type: ${input.contentType}`,
  ].join("\r\n");
}

/**
 * The message as sent after DATA, ending with CRLF but without the final
 * "." line. `5k` is one text/plain part; `100k` is multipart/mixed with a
 * text part and two base64 attachments (a PDF and a PNG, random bytes).
 */
export function buildMessage(kind: MessageKind, envelope: { from: string; to: string }): Uint8Array {
  const random = createRandom(kind === "5k" ? 5 : 100);
  const target = MESSAGE_BYTES[kind];
  if (kind === "5k") {
    const head = `${headerBlock({
      ...envelope,
      subject: `Your ${COMMON_WORD} for November`,
      contentType: "text/plain; charset=utf-8",
    })}\r\nContent-Transfer-Encoding: 7bit\r\n\r\n`;
    const body = proseText(random, target - head.length - 2);
    return Buffer.from(`${head}${body}\r\n`, "latin1");
  }
  const boundary = "----=_bench_boundary_7f3a";
  const pdf = base64Lines(randomBytes(random, 40_000));
  const png = base64Lines(randomBytes(random, 30_000));
  const head = `${headerBlock({
    ...envelope,
    subject: `Quarterly report and photos (${COMMON_WORD} attached)`,
    contentType: `multipart/mixed; boundary="${boundary}"`,
  })}\r\n\r\nThis is a multi-part message in MIME format.\r\n`;
  const textHead = `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n`;
  const attachments = [
    `\r\n--${boundary}\r\nContent-Type: application/pdf; name="report.pdf"\r\n`,
    `Content-Disposition: attachment; filename="report.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n`,
    `${pdf}\r\n--${boundary}\r\nContent-Type: image/png; name="photo.png"\r\n`,
    `Content-Disposition: attachment; filename="photo.png"\r\nContent-Transfer-Encoding: base64\r\n\r\n`,
    `${png}\r\n--${boundary}--\r\n`,
  ].join("");
  const textBytes = target - head.length - textHead.length - attachments.length;
  return Buffer.from(`${head}${textHead}${proseText(random, textBytes)}${attachments}`, "latin1");
}

/** A message of about `bytes` bytes that is almost all one base64 attachment (the 25 MB memory check). */
export function buildLargeMessage(
  bytes: number,
  envelope: { from: string; to: string },
  subject = "Large attachment",
): Uint8Array {
  const random = createRandom(25);
  const boundary = "----=_bench_large_9c1d";
  const head = `${headerBlock({
    ...envelope,
    subject,
    contentType: `multipart/mixed; boundary="${boundary}"`,
  })}\r\n\r\n--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${proseText(random, 1000)}\r\n--${boundary}\r\nContent-Type: application/octet-stream; name="data.bin"\r\nContent-Disposition: attachment; filename="data.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  // 76 base64 characters + CRLF carry 57 bytes.
  const rawBytes = Math.floor(((bytes - head.length - tail.length) / 78) * 57);
  return Buffer.from(`${head}${base64Lines(randomBytes(random, rawBytes))}${tail}`, "latin1");
}
