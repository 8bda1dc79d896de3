/**
 * CIDR blocks for rules (`client_ip`): IPv4 and IPv6, written as an address
 * with an optional prefix length. An IPv4 client seen as an IPv4-mapped IPv6
 * address (`::ffff:192.0.2.1`, as dual-stack sockets report it) matches IPv4
 * blocks. Pure code: the same on Bun and Workers.
 */

export interface Cidr {
  version: 4 | 6;
  /** The address as 16 bytes (IPv4 in the last 4). */
  bytes: Uint8Array;
  prefix: number;
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (const [index, part] of parts.entries()) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const value = Number(part);
    if (value > 255 || (part.length > 1 && part.startsWith("0"))) return null;
    bytes[index] = value;
  }
  return bytes;
}

function parseIpv6(text: string): Uint8Array | null {
  let input = text.toLowerCase();
  let tail: Uint8Array | null = null;
  // A trailing dotted IPv4 (::ffff:192.0.2.1).
  const lastColon = input.lastIndexOf(":");
  if (input.slice(lastColon + 1).includes(".")) {
    tail = parseIpv4(input.slice(lastColon + 1));
    if (!tail) return null;
    input = `${input.slice(0, lastColon + 1)}0:0`;
  }
  const halves = input.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (part: string) => (part === "" ? [] : part.split(":"));
  const head = groupsOf(halves[0] ?? "");
  const rest = halves.length === 2 ? groupsOf(halves[1] ?? "") : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  if (groups.length !== 8) return null;
  const bytes = new Uint8Array(16);
  for (const [index, group] of groups.entries()) {
    if (!/^[0-9a-f]{1,4}$/.test(group)) return null;
    const value = Number.parseInt(group, 16);
    bytes[index * 2] = value >> 8;
    bytes[index * 2 + 1] = value & 255;
  }
  if (tail) bytes.set(tail, 12);
  return bytes;
}

/** An address as 16 bytes and its family; IPv4-mapped IPv6 counts as IPv4. */
export function parseIp(text: string): { version: 4 | 6; bytes: Uint8Array } | null {
  const v4 = parseIpv4(text);
  if (v4) return { version: 4, bytes: mapped(v4) };
  const v6 = parseIpv6(text.replace(/^\[|\]$/g, "").replace(/%.*$/, ""));
  if (!v6) return null;
  const isMapped = v6.subarray(0, 10).every((byte) => byte === 0) && v6[10] === 255 && v6[11] === 255;
  return { version: isMapped ? 4 : 6, bytes: v6 };
}

function mapped(v4: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(16);
  bytes[10] = 255;
  bytes[11] = 255;
  bytes.set(v4, 12);
  return bytes;
}

/** `192.0.2.0/24`, `2001:db8::/32`, or a single address (its full length). Null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const [address, prefixText, extra] = text.trim().split("/");
  if (address === undefined || extra !== undefined) return null;
  const ip = parseIp(address);
  if (!ip) return null;
  const max = ip.version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return null;
  return { version: ip.version, bytes: ip.bytes, prefix };
}

/** The block in its canonical form (host bits cleared), as rules store it. */
export function formatCidr(cidr: Cidr): string {
  const bits = cidr.version === 4 ? 96 + cidr.prefix : cidr.prefix;
  const network = maskTo(cidr.bytes, bits);
  if (cidr.version === 4) return `${Array.from(network.subarray(12)).join(".")}/${cidr.prefix}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((network[i] ?? 0) << 8) | (network[i + 1] ?? 0)).toString(16));
  // The longest run of zero groups becomes `::` (RFC 5952).
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j;
  }
  const text =
    best.start < 0
      ? groups.join(":")
      : `${groups.slice(0, best.start).join(":")}::${groups.slice(best.start + best.length).join(":")}`;
  return `${text}/${cidr.prefix}`;
}

function maskTo(bytes: Uint8Array, bits: number): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[i] = (bytes[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  const parsed = parseIp(ip);
  if (!parsed || parsed.version !== cidr.version) return false;
  const bits = cidr.version === 4 ? 96 + cidr.prefix : cidr.prefix;
  const a = maskTo(cidr.bytes, bits);
  const b = maskTo(parsed.bytes, bits);
  return a.every((byte, index) => byte === b[index]);
}
