import type { Context } from "hono";

/**
 * The address a request came from, for limits kept per client (failed
 * authentication). In order:
 * - `proxyHops` > 0 (OMNIMAIL_PROXY_HOPS): the X-Forwarded-For entry that many
 *   from the right, the address the outermost trusted proxy saw. Entries to its
 *   left were written by the client and are never used. 0 (the default): the
 *   header is ignored, since anyone can send it.
 * - Bun: the socket's peer (`server.requestIP`; Hono passes the server as `c.env`).
 * - Workers: `CF-Connecting-IP`, which Cloudflare sets and overwrites on every request.
 * Undefined when none is known.
 */
export function clientAddress(c: Context, proxyHops: number): string | undefined {
  if (proxyHops > 0) {
    const hops = (c.req.header("x-forwarded-for") ?? "")
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "");
    // Fewer entries than proxies: the outermost proxy was reached directly; its entry is the leftmost.
    const forwarded = hops[Math.max(0, hops.length - proxyHops)];
    if (forwarded) return forwarded;
  }
  const server = c.env as { requestIP?: (request: Request) => { address: string } | null } | undefined;
  if (typeof server?.requestIP === "function") return server.requestIP(c.req.raw)?.address ?? undefined;
  return c.req.header("cf-connecting-ip") ?? undefined;
}

/**
 * The key one client's limits are kept under: an IPv4 address, or the /64 of
 * an IPv6 one (a single host is usually given a whole /64, so counting single
 * addresses would let it rotate through 2^64 of them). IPv4-mapped IPv6
 * (`::ffff:192.0.2.1`, what a dual-stack socket reports) is the IPv4 address.
 * Ports and brackets from proxies (`192.0.2.1:4711`, `[2001:db8::1]:443`) are
 * dropped. Anything else is kept as given, lower-cased and cut to 64 characters.
 */
export function clientKey(address: string | undefined): string {
  if (!address) return "unknown";
  let value = address.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed?.[1]) value = bracketed[1];
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(value);
  if (v4WithPort?.[1]) return v4WithPort[1];
  const groups = value.includes(":") ? ipv6Groups(value.replace(/%.*$/, "")) : null;
  if (!groups) return value.slice(0, 64);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (a dotted IPv4 tail is two), or null if it is not one. */
function ipv6Groups(value: string): number[] | null {
  const halves = value.split("::");
  if (halves.length > 2) return null;
  const parts = halves.map((half) => (half === "" ? [] : half.split(":")));
  const groups: number[][] = [];
  for (const [index, part] of parts.entries()) {
    const numbers: number[] = [];
    for (const [position, text] of part.entries()) {
      const isLast = index === parts.length - 1 && position === part.length - 1;
      const v4 = isLast ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text) : null;
      if (v4) {
        const octets = v4.slice(1).map(Number);
        if (octets.some((octet) => octet > 255)) return null;
        const [a = 0, b = 0, c = 0, d = 0] = octets;
        numbers.push((a << 8) | b, (c << 8) | d);
      } else if (/^[0-9a-f]{1,4}$/.test(text)) {
        numbers.push(Number.parseInt(text, 16));
      } else {
        return null;
      }
    }
    groups.push(numbers);
  }
  const [head = [], tail = []] = groups;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...Array<number>(missing).fill(0), ...tail] : null;
}
