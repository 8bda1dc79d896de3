/**
 * Who a connection counts as for the per-client limits: an IPv4 client is its
 * address; an IPv6 client is its /64. One IPv6 host (or its site) usually holds
 * a whole /64 and may pick any of its 2^64 addresses for each connection, so
 * counting per address would give it as many slots as it likes (RFC 4291 §2.5.4:
 * global unicast interface ids are 64 bits; RFC 6177: a site gets a /48-/56).
 * A /64 is the smallest block anyone is handed, so it is the conservative unit.
 */
export function clientKey(ip: string): string {
  const address = ip.trim().toLowerCase().replace(/%.*$/, "");
  if (!address.includes(":")) return address;
  // IPv4-mapped (a dual-stack listener reports IPv4 clients this way): the IPv4 address.
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped?.[1]) return mapped[1];
  const groups = expandIpv6(address);
  if (!groups) return address;
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address in any RFC 4291 §2.2 text form; null if it is not one. */
function expandIpv6(address: string): number[] | null {
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === "") return [];
    const groups: number[] = [];
    const pieces = part.split(":");
    for (const [index, piece] of pieces.entries()) {
      // An IPv4 suffix (`::192.0.2.1`) is the last 32 bits.
      if (index === pieces.length - 1 && piece.includes(".")) {
        const octets = piece.split(".").map(Number);
        if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet) || octet > 255))
          return null;
        const [a = 0, b = 0, c = 0, d = 0] = octets;
        groups.push((a << 8) | b, (c << 8) | d);
      } else {
        if (!/^[0-9a-f]{1,4}$/.test(piece)) return null;
        groups.push(Number.parseInt(piece, 16));
      }
    }
    return groups;
  };
  const head = parse(halves[0] ?? "");
  const tail = halves.length === 2 ? parse(halves[1] ?? "") : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}
