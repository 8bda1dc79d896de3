import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import http from "node:http";
import https from "node:https";
import { blockedAddressReason } from "../core/webhooks/ip-ranges";
import {
  parseRetryAfter,
  RESPONSE_BODY_LIMIT,
  USER_AGENT,
  type WebhookTransport,
} from "../core/webhooks/transport";
import { checkWebhookUrl, type ResolveHost } from "../core/webhooks/url-guard";

/**
 * The Bun webhook sender. Unlike fetch, node:http lets us choose the address
 * the socket connects to: every address DNS returns is checked, and the socket
 * connects to a checked one, so DNS rebinding (a name that resolves public at
 * check time and private at connect time) cannot reach an internal service.
 * Redirects are never followed: a 3xx is a failed attempt.
 */
export function createGuardedTransport(options: { allowPrivate: boolean }): WebhookTransport {
  return async (request) => {
    const started = Date.now();
    let url: URL;
    try {
      url = await checkWebhookUrl(request.url, { allowPrivate: options.allowPrivate }, "url");
    } catch (error) {
      return { kind: "error", error: `blocked: ${(error as Error).message}`, durationMs: 0 };
    }
    const client = url.protocol === "https:" ? https : http;
    return new Promise((resolve) => {
      const finish = (result: Parameters<typeof resolve>[0]) => resolve(result);
      const req = client.request(
        url,
        {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "content-length": String(Buffer.byteLength(request.body)),
            ...request.headers,
          },
          lookup: options.allowPrivate ? undefined : guardedLookup,
          timeout: request.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            if (size < RESPONSE_BODY_LIMIT) chunks.push(chunk);
            size += chunk.length;
          });
          const done = () =>
            finish({
              kind: "response",
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString("utf8"),
              durationMs: Date.now() - started,
              retryAfterSeconds: parseRetryAfter(headerValue(res.headers["retry-after"]), Date.now()),
            });
          res.on("end", done);
          res.on("error", done);
        },
      );
      const deadline = setTimeout(
        () => req.destroy(new Error(`timed out after ${request.timeoutMs} ms`)),
        request.timeoutMs,
      );
      req.on("timeout", () => req.destroy(new Error(`timed out after ${request.timeoutMs} ms`)));
      req.on("error", (error) => {
        clearTimeout(deadline);
        finish({ kind: "error", error: error.message, durationMs: Date.now() - started });
      });
      req.on("close", () => clearTimeout(deadline));
      req.end(request.body);
    });
  };
}

function headerValue(value: string | string[] | undefined): string | null {
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

/** dns.lookup, refusing any answer that contains a blocked address. */
function guardedLookup(
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  const family = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : (options.family ?? 0);
  dnsLookup(hostname, { all: true, family }, (error, addresses) => {
    if (error) return callback(error, []);
    const blocked = addresses.find((entry) => blockedAddressReason(entry.address) !== null);
    if (blocked || addresses.length === 0) {
      const reason = blocked ? blockedAddressReason(blocked.address) : "no address";
      const refusal: NodeJS.ErrnoException = new Error(
        `blocked: ${hostname} resolves to a ${reason} address (${blocked?.address ?? "none"})`,
      );
      refusal.code = "EOMNIMAILBLOCKED";
      return callback(refusal, []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
}

/** For the URL check at endpoint creation: every address the name has. */
export const resolveHost: ResolveHost = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses.map((a) => a.address)),
    );
  });
