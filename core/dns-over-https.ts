import type { ResolveTxt } from "./tenancy/domains";

/**
 * TXT lookups over DNS-over-HTTPS (RFC 8484's JSON flavour, as Cloudflare and
 * Google serve it), for a runtime with fetch and no sockets: the Worker uses it
 * to verify domains. NXDOMAIN is ENOTFOUND and an empty answer ENODATA, as
 * node:dns says them, so callers treat both resolvers alike.
 */
export function createDohTxtResolver(options: { endpoint?: string; fetch?: typeof fetch } = {}): ResolveTxt {
  const endpoint = options.endpoint ?? "https://cloudflare-dns.com/dns-query";
  const get = options.fetch ?? fetch;
  return async (name) => {
    const url = `${endpoint}?name=${encodeURIComponent(name)}&type=TXT`;
    const response = await get(url, { headers: { accept: "application/dns-json" } });
    if (!response.ok) throw Object.assign(new Error(`DoH ${response.status}`), { code: "ESERVFAIL" });
    const body = (await response.json()) as {
      Status: number;
      Answer?: Array<{ type: number; data: string }>;
    };
    if (body.Status === 3)
      throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
    if (body.Status !== 0) throw Object.assign(new Error(`DoH status ${body.Status}`), { code: "ESERVFAIL" });
    const records = (body.Answer ?? [])
      .filter((answer) => answer.type === 16)
      .map((answer) => txtStrings(answer.data));
    if (records.length === 0) throw Object.assign(new Error(`queryTxt ENODATA ${name}`), { code: "ENODATA" });
    return records;
  };
}

/** `"part one" "part two"` → the record's character-strings (quotes and backslash escapes undone). */
function txtStrings(data: string): string[] {
  const strings = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) =>
    (match[1] ?? "").replace(/\\(.)/g, "$1"),
  );
  return strings.length > 0 ? strings : [data];
}
