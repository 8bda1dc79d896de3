/**
 * Large base64 bodies, decoded without postal-mime's per-line strings.
 *
 * postal-mime decodes base64 one line at a time through strings (decode,
 * filter, split, concatenate), so a 25 MB attachment leaves about 170 MB of
 * short-lived strings and views behind it, and the garbage collector lets the
 * heap grow to hold them. Here each long run of base64 lines is decoded
 * straight from the bytes into one buffer of its exact size, and postal-mime
 * parses a copy of the message in which the run is one short line: a stand-in
 * (the base64 of random bytes). Where postal-mime hands back the stand-in's
 * bytes as an attachment, that attachment's content is the decoded run.
 *
 * Nothing here has to know MIME: postal-mime still decides every part, its
 * headers, its encoding and whether it is an attachment. A stand-in that does
 * not come back as exactly one attachment's whole content (a base64 text body,
 * a part inside an attached message, a run inside a header section) means the
 * copy is thrown away and the original parsed as it is.
 */

/** Runs shorter than this (base64 characters) are left to postal-mime: the saving would be small. */
export const STAND_IN_MIN_CHARS = 64 * 1024;

/** A run of base64-only lines: bytes `start`..`end` (the last line's content end, before its line break). */
export interface Base64Run {
  start: number;
  end: number;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const EQUALS = 0x3d;

/** 0–63 for a base64 character, 64 for `=`, 255 for anything else. */
const ALPHABET = new Uint8Array(256).fill(255);
for (const [value, char] of [
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
].entries()) {
  ALPHABET[char.charCodeAt(0)] = value;
}
ALPHABET[EQUALS] = 64;

/**
 * The maximal runs of consecutive lines made only of base64 characters (and
 * trailing spaces, tabs, CR), with at least `minChars` characters.
 *
 * A run is taken only when it ends on a whole group (its last unit a multiple
 * of 4 characters, or closed by `=`): then whatever follows it in the same
 * part decodes the same after the stand-in (which ends in `=`) as after the
 * run, so the stand-in test in `parseWithStandIns` is exact.
 */
export function findBase64Runs(bytes: Uint8Array, minChars = STAND_IN_MIN_CHARS): Base64Run[] {
  const runs: Base64Run[] = [];
  let runStart = -1;
  let runEnd = -1;
  let runChars = 0;
  let unitLength = 0;
  const closeRun = () => {
    if (runStart >= 0 && runChars >= minChars && unitLength % 4 === 0) {
      runs.push({ start: runStart, end: runEnd });
    }
    runStart = -1;
    runChars = 0;
    unitLength = 0;
  };
  let lineStart = 0;
  while (lineStart < bytes.length) {
    let lineEnd = bytes.indexOf(LF, lineStart);
    if (lineEnd < 0) lineEnd = bytes.length;
    // The line's base64 characters, then only trailing whitespace.
    let position = lineStart;
    let lineUnit = unitLength;
    while (position < lineEnd) {
      const value = ALPHABET[bytes[position] as number] as number;
      if (value === 255) break;
      lineUnit = value === 64 ? 0 : lineUnit + 1;
      position++;
    }
    const contentEnd = position;
    while (position < lineEnd && isTrailingSpace(bytes[position] as number)) position++;
    if (contentEnd > lineStart && position === lineEnd) {
      if (runStart < 0) runStart = lineStart;
      runEnd = contentEnd;
      runChars += contentEnd - lineStart;
      unitLength = lineUnit;
    } else {
      closeRun();
    }
    lineStart = lineEnd + 1;
  }
  closeRun();
  return runs;
}

function isTrailingSpace(byte: number): boolean {
  return byte === SPACE || byte === TAB || byte === CR;
}

/**
 * The run's bytes decoded as postal-mime decodes base64: every character that
 * is not base64 is skipped, `=` ends a unit, each unit is decoded on its own,
 * and a unit's last lone character (a truncated group) carries no byte.
 */
export function decodeBase64Run(bytes: Uint8Array, run: Base64Run): Uint8Array {
  const out = new Uint8Array(decodedLength(bytes, run));
  let written = 0;
  let group = 0;
  let inGroup = 0;
  const flushPartialGroup = () => {
    // Two characters carry one byte, three carry two; one carries none.
    if (inGroup === 2) out[written++] = (group >> 4) & 0xff;
    else if (inGroup === 3) {
      out[written++] = (group >> 10) & 0xff;
      out[written++] = (group >> 2) & 0xff;
    }
    group = 0;
    inGroup = 0;
  };
  for (let position = run.start; position < run.end; position++) {
    const value = ALPHABET[bytes[position] as number] as number;
    if (value === 255) continue;
    if (value === 64) {
      flushPartialGroup();
      continue;
    }
    group = (group << 6) | value;
    if (++inGroup === 4) {
      out[written++] = (group >> 16) & 0xff;
      out[written++] = (group >> 8) & 0xff;
      out[written++] = group & 0xff;
      group = 0;
      inGroup = 0;
    }
  }
  flushPartialGroup();
  return out;
}

function decodedLength(bytes: Uint8Array, run: Base64Run): number {
  let length = 0;
  let unit = 0;
  const endUnit = () => {
    const usable = unit % 4 === 1 ? unit - 1 : unit;
    length += Math.floor(usable / 4) * 3 + (usable % 4 ? (usable % 4) - 1 : 0);
    unit = 0;
  };
  for (let position = run.start; position < run.end; position++) {
    const value = ALPHABET[bytes[position] as number] as number;
    if (value === 255) continue;
    if (value === 64) endUnit();
    else unit++;
  }
  endUnit();
  return length;
}

export interface StandInCopy {
  /** The message with each run replaced by its stand-in line. */
  bytes: Uint8Array;
  /** Per run, in order: the bytes its stand-in decodes to. */
  standIns: Uint8Array[];
}

/**
 * 23 random bytes: 32 base64 characters ending in one `=`, so the stand-in
 * closes its unit whatever precedes or follows it.
 */
const STAND_IN_BYTES = 23;

export function buildStandInCopy(bytes: Uint8Array, runs: Base64Run[]): StandInCopy {
  const standIns = runs.map(() => crypto.getRandomValues(new Uint8Array(STAND_IN_BYTES)));
  const lines = standIns.map((standIn) => new TextEncoder().encode(btoa(String.fromCharCode(...standIn))));
  let size = bytes.length;
  for (const [index, run] of runs.entries())
    size += (lines[index] as Uint8Array).length - (run.end - run.start);
  const copy = new Uint8Array(size);
  let from = 0;
  let to = 0;
  for (const [index, run] of runs.entries()) {
    copy.set(bytes.subarray(from, run.start), to);
    to += run.start - from;
    const line = lines[index] as Uint8Array;
    copy.set(line, to);
    to += line.length;
    from = run.end;
  }
  copy.set(bytes.subarray(from), to);
  return { bytes: copy, standIns };
}

/** Whether two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let index = 0; index < a.byteLength; index++) if (a[index] !== b[index]) return false;
  return true;
}
