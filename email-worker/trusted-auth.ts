import type { SenderAuthResults } from "../core/messages/auth";

/**
 * Sender authentication for mail that arrives through Cloudflare Email Routing.
 * A Worker never sees the sender's connection, so it cannot run SPF, DKIM and
 * DMARC itself; Email Routing's MX did, and recorded its verdicts in an
 * `ARC-Authentication-Results` / `Authentication-Results` field with its
 * authserv-id (`mx.cloudflare.net`) that it prepends to the message.
 *
 * Trust decision: only that hop's record counts, and only where that hop put
 * it. Walking the header from the top, we take the first such field with the
 * trusted authserv-id, and stop at the first `Received:` field that the trusted
 * hop did not write: everything below it came with the message, and a sender
 * can write any Authentication-Results it likes there (RFC 8601 §5). No trusted
 * record → every verdict is `none`, never `pass`.
 */
export const CLOUDFLARE_AUTHSERV_ID = "mx.cloudflare.net";

/** The header section is read up to this many bytes: verdicts sit at the very top. */
const HEADER_SCAN_BYTES = 256 * 1024;

export function trustedAuthResults(raw: Uint8Array, authservId = CLOUDFLARE_AUTHSERV_ID): SenderAuthResults {
  const record = findTrustedRecord(headerFields(raw), authservId.toLowerCase());
  if (!record) return noVerdicts(authservId);
  return parseRecord(record, authservId);
}

/** Unfolded header fields, top first. */
function headerFields(raw: Uint8Array): Array<{ name: string; value: string }> {
  const text = new TextDecoder().decode(raw.subarray(0, HEADER_SCAN_BYTES));
  const end = text.search(/\r?\n\r?\n/);
  const block = end === -1 ? text : text.slice(0, end);
  const fields: Array<{ name: string; value: string }> = [];
  for (const line of block.split(/\r?\n/)) {
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line) && last) {
      last.value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    fields.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() });
  }
  return fields;
}

function findTrustedRecord(
  fields: Array<{ name: string; value: string }>,
  authservId: string,
): string | null {
  const byTrustedHop = new RegExp(`\\bby\\s+${authservId.replace(/\./g, "\\.")}\\b`, "i");
  for (const field of fields) {
    if (field.name === "received" && !byTrustedHop.test(field.value)) return null;
    if (field.name !== "authentication-results" && field.name !== "arc-authentication-results") continue;
    // ARC-Authentication-Results starts with the instance tag: "i=1; mx.cloudflare.net; ...".
    const value =
      field.name === "arc-authentication-results" ? field.value.replace(/^\s*i=\d+\s*;/, "") : field.value;
    const [id, ...rest] = splitResinfo(value);
    if (id?.trim().split(/\s+/)[0]?.toLowerCase() === authservId) return rest.join("; ");
  }
  return null;
}

/** Splits on `;` outside comments and quoted strings. */
function splitResinfo(value: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = "";
  for (const char of value) {
    if (char === '"' && depth === 0) quoted = !quoted;
    else if (!quoted && char === "(") depth++;
    else if (!quoted && char === ")" && depth > 0) depth--;
    if (char === ";" && depth === 0 && !quoted) {
      parts.push(current);
      current = "";
    } else current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== "");
}

interface Resinfo {
  method: string;
  result: string;
  properties: Record<string, string>;
  comment: string;
}

function parseResinfo(part: string): Resinfo | null {
  const comment = [...part.matchAll(/\(([^)]*)\)/g)].map((match) => match[1]).join(" ");
  const bare = part.replace(/\([^)]*\)/g, " ");
  const head = /^\s*([a-z0-9-]+)\s*=\s*([a-z]+)/i.exec(bare);
  if (!head?.[1] || !head[2]) return null;
  const properties: Record<string, string> = {};
  for (const match of bare.matchAll(/([a-z0-9-]+\.[a-z0-9-]+)\s*=\s*("[^"]*"|[^\s;]+)/gi)) {
    if (match[1] && match[2]) properties[match[1].toLowerCase()] = match[2].replace(/^"|"$/g, "");
  }
  return { method: head[1].toLowerCase(), result: head[2].toLowerCase(), properties, comment };
}

const domainOf = (address: string | undefined) =>
  address
    ? (address.includes("@") ? address.slice(address.lastIndexOf("@") + 1) : address).toLowerCase()
    : null;

/** Relaxed alignment (RFC 7489 §3.1): the same domain, or one is a subdomain of the other. */
function aligned(signingDomain: string | null, fromDomain: string | null): boolean {
  if (!signingDomain || !fromDomain) return false;
  return (
    signingDomain === fromDomain ||
    fromDomain.endsWith(`.${signingDomain}`) ||
    signingDomain.endsWith(`.${fromDomain}`)
  );
}

function parseRecord(record: string, authservId: string): SenderAuthResults {
  const infos = splitResinfo(record)
    .map(parseResinfo)
    .filter((info): info is Resinfo => info !== null);
  const spf = infos.find((info) => info.method === "spf");
  const dmarc = infos.find((info) => info.method === "dmarc");
  const arc = infos.find((info) => info.method === "arc");
  const fromDomain = domainOf(dmarc?.properties["header.from"]);
  const dkim = infos
    .filter((info) => info.method === "dkim")
    .map((info) => {
      const domain = domainOf(info.properties["header.d"] ?? info.properties["header.i"]);
      return {
        result: info.result,
        domain,
        selector: info.properties["header.s"] ?? null,
        aligned: info.result === "pass" && aligned(domain, fromDomain),
      };
    });
  const policy =
    dmarc?.properties["policy.dmarc"] ??
    dmarc?.properties["policy.published-domain-policy"] ??
    /\bp=([a-z]+)/i.exec(dmarc?.comment ?? "")?.[1]?.toLowerCase() ??
    null;
  return {
    spf: {
      result: spf?.result ?? "none",
      domain: domainOf(spf?.properties["smtp.mailfrom"] ?? spf?.properties["smtp.helo"]),
    },
    dkim: dkim.length > 0 ? dkim : [{ result: "none", domain: null, selector: null, aligned: false }],
    dmarc: { result: dmarc?.result ?? "none", domain: fromDomain, policy },
    arc: { result: arc?.result ?? "none" },
    header: `Authentication-Results: ${authservId};\r\n\t${splitResinfo(record).join(";\r\n\t")}\r\n`,
  };
}

function noVerdicts(authservId: string): SenderAuthResults {
  return {
    spf: { result: "none", domain: null },
    dkim: [{ result: "none", domain: null, selector: null, aligned: false }],
    dmarc: { result: "none", domain: null, policy: null },
    arc: { result: "none" },
    header: `Authentication-Results: ${authservId}; none (no verdicts recorded by the Email Routing hop)\r\n`,
  };
}
