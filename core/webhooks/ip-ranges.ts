/**
 * Which IP addresses a webhook must never reach: loopback, private, link-local
 * (cloud metadata lives at 169.254.169.254), CGNAT, unspecified, multicast and
 * reserved ranges, in IPv4 and IPv6, including IPv4 addresses wrapped in IPv6
 * (::ffff:10.0.0.1, NAT64 64:ff9b::/96). Pure functions, Web APIs only.
 */

type V4Range = [number, number, number, number, number]; // a.b.c.d/prefix

const BLOCKED_V4: Array<[V4Range, string]> = [
  [[0, 0, 0, 0, 8], "unspecified"],
  [[10, 0, 0, 0, 8], "private"],
  [[100, 64, 0, 0, 10], "carrier-grade NAT"],
  [[127, 0, 0, 0, 8], "loopback"],
  [[169, 254, 0, 0, 16], "link-local (cloud metadata)"],
  [[172, 16, 0, 0, 12], "private"],
  [[192, 0, 0, 0, 24], "IETF protocol assignments"],
  [[192, 168, 0, 0, 16], "private"],
  [[198, 18, 0, 0, 15], "benchmarking"],
  [[224, 0, 0, 0, 4], "multicast"],
  [[240, 0, 0, 0, 4], "reserved"],
];

export function parseIPv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : Number.NaN));
  return bytes.every((byte) => byte >= 0 && byte <= 255) ? bytes : null;
}

function v4ToInt(bytes: number[]): number {
  return (((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)) >>> 0;
}

function classifyV4(bytes: number[]): string | null {
  const value = v4ToInt(bytes);
  for (const [[a, b, c, d, prefix], reason] of BLOCKED_V4) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if ((value & mask) >>> 0 === (v4ToInt([a, b, c, d]) & mask) >>> 0) return reason;
  }
  return null;
}

/** Expands an IPv6 text form into 8 16-bit groups; null when it is not IPv6. */
export function parseIPv6(text: string): number[] | null {
  let input = text.replace(/^\[|\]$/g, "").split("%")[0] ?? "";
  if (!input.includes(":")) return null;
  // A trailing dotted IPv4 (::ffff:1.2.3.4) becomes two groups.
  const dotted = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(input);
  if (dotted?.[1]) {
    const v4 = parseIPv4(dotted[1]);
    if (!v4) return null;
    input = `${input.slice(0, -dotted[1].length)}${(((v4[0] ?? 0) << 8) | (v4[1] ?? 0)).toString(16)}:${(((v4[2] ?? 0) << 8) | (v4[3] ?? 0)).toString(16)}`;
  }
  const halves = input.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  const values = groups.map((group) =>
    /^[0-9a-f]{1,4}$/i.test(group) ? Number.parseInt(group, 16) : Number.NaN,
  );
  return values.length === 8 && values.every((value) => !Number.isNaN(value)) ? values : null;
}

function classifyV6(groups: number[]): string | null {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const embeddedV4 = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0) {
    if (g5 === 0 && g6 === 0 && (g7 === 0 || g7 === 1)) return g7 === 0 ? "unspecified" : "loopback";
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible)
    if (g5 === 0xffff || g5 === 0) return classifyV4(embeddedV4);
  }
  if (g0 === 0x64 && g1 === 0xff9b) return classifyV4(embeddedV4); // NAT64
  if ((g0 & 0xfe00) === 0xfc00) return "private (unique local)";
  if ((g0 & 0xffc0) === 0xfe80) return "link-local";
  if ((g0 & 0xff00) === 0xff00) return "multicast";
  if (g0 === 0x2002) return classifyV4([g1 >> 8, g1 & 0xff, g2 >> 8, g2 & 0xff]); // 6to4
  return null;
}

/** Why an address is off-limits, or null when it is a public unicast address. Unparseable: refused. */
export function blockedAddressReason(address: string): string | null {
  const v4 = parseIPv4(address);
  if (v4) return classifyV4(v4);
  const v6 = parseIPv6(address);
  if (v6) return classifyV6(v6);
  return "not an IP address";
}

export function isIpLiteral(host: string): boolean {
  return parseIPv4(host) !== null || parseIPv6(host) !== null;
}
