import { InvalidError } from "../errors";
import { blockedAddressReason, isIpLiteral } from "./ip-ranges";

/**
 * Server-side request forgery guard for webhook URLs. Checked when an endpoint
 * is created or changed and again before every send. http(s) only, no
 * credentials, and no loopback/private/link-local/CGNAT/metadata destination,
 * unless private targets are explicitly allowed (local development, tests).
 *
 * Host names are resolved by `resolveHost` where the runtime can (Bun); the Bun
 * sender also checks the address it actually connects to (DNS rebinding).
 * Workers cannot resolve names, and their fetch never reaches private networks.
 */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export interface UrlGuardOptions {
  allowPrivate: boolean;
  resolveHost?: ResolveHost | undefined;
}

/** Names that always point inside: refused without asking DNS. */
const INTERNAL_NAMES = [
  /^localhost$/,
  /\.localhost$/,
  /\.internal$/,
  /\.local$/,
  /^metadata$/,
  /\.home\.arpa$/,
];

export class UnsafeUrlError extends InvalidError {}

/** Said with every refusal of a private destination: a local receiver is what every newcomer tries first. */
const ALLOW_PRIVATE_HINT =
  "; for local development, set OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS=1 to allow private and loopback destinations";

export async function checkWebhookUrl(
  raw: string,
  options: UrlGuardOptions,
  location = "body.url",
): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError(location, "must be an absolute http(s) URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UnsafeUrlError(location, "must use http or https");
  }
  if (url.username || url.password) {
    throw new UnsafeUrlError(
      location,
      "must not contain credentials; authenticate with the webhook signature",
    );
  }
  if (raw.length > 2048) throw new UnsafeUrlError(location, "must be at most 2048 characters");
  if (options.allowPrivate) return url;

  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (isIpLiteral(host)) {
    const reason = blockedAddressReason(host);
    if (reason)
      throw new UnsafeUrlError(
        location,
        `must not point to a ${reason} address (${host})${ALLOW_PRIVATE_HINT}`,
      );
    return url;
  }
  if (INTERNAL_NAMES.some((pattern) => pattern.test(host))) {
    throw new UnsafeUrlError(
      location,
      `must not point to an internal host name (${host})${ALLOW_PRIVATE_HINT}`,
    );
  }
  if (options.resolveHost) {
    let addresses: string[];
    try {
      addresses = await options.resolveHost(host);
    } catch (error) {
      throw new UnsafeUrlError(location, `the host ${host} does not resolve`, { cause: error });
    }
    if (addresses.length === 0) throw new UnsafeUrlError(location, `the host ${host} does not resolve`);
    for (const address of addresses) {
      const reason = blockedAddressReason(address);
      if (reason)
        throw new UnsafeUrlError(
          location,
          `must not resolve to a ${reason} address (${host} → ${address})${ALLOW_PRIVATE_HINT}`,
        );
    }
  }
  return url;
}
