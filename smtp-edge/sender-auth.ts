import { Resolver } from "node:dns/promises";
import { authenticate, type DNSResolver } from "mailauth";
import type { SenderAuthResults } from "../core/messages/auth";

/**
 * Sender authentication of every accepted message: SPF (envelope sender and
 * client IP), DKIM signatures, DMARC for the From domain, and the ARC chain,
 * with mailauth (by the authors of smtp-server). The result is stored on the
 * message and shown in the API and webhooks; it never blocks delivery: a DNS
 * failure or a slow resolver gives `temperror`, not a 4xx.
 */
export type SenderAuth = (
  raw: Uint8Array,
  envelope: { ip: string; helo: string; sender: string },
) => Promise<SenderAuthResults>;

/** DNS through the system resolver, each query bounded, so a dead name server costs `timeoutMs`, not minutes. */
export function createDnsResolver(timeoutMs: number): DNSResolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  return (name, rrtype) => resolver.resolve(name, rrtype) as Promise<string[][] | string[]>;
}

function temperror(reason: string): SenderAuthResults {
  return {
    spf: { result: "temperror", domain: null },
    dkim: [],
    dmarc: { result: "temperror", domain: null, policy: null },
    arc: { result: "temperror" },
    header: `Authentication-Results: temperror (${reason})\r\n`,
  };
}

export function createSenderAuth(options: {
  resolver: DNSResolver;
  mta: string;
  timeoutMs: number;
}): SenderAuth {
  return async (raw, envelope) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), options.timeoutMs);
    });
    try {
      const result = await Promise.race([
        authenticate(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), {
          ip: envelope.ip,
          helo: envelope.helo,
          sender: envelope.sender,
          mta: options.mta,
          resolver: options.resolver,
          disableBimi: true,
        }),
        deadline,
      ]);
      if (!result) return temperror(`checks took over ${options.timeoutMs} ms`);
      return {
        spf: result.spf
          ? { result: result.spf.status.result, domain: result.spf.domain ?? null }
          : { result: "none", domain: null },
        dkim: result.dkim.results.map((signature) => ({
          result: signature.status.result,
          domain: signature.signingDomain ?? null,
          selector: signature.selector ?? null,
          aligned: Boolean((signature.status as { aligned?: unknown }).aligned),
        })),
        dmarc: result.dmarc
          ? {
              result: result.dmarc.status.result,
              domain: result.dmarc.domain ?? null,
              policy: result.dmarc.policy ?? null,
            }
          : { result: "none", domain: null, policy: null },
        arc: { result: result.arc ? result.arc.status.result : "none" },
        header: result.headers,
      };
    } catch (error) {
      return temperror(error instanceof Error ? error.message : String(error));
    } finally {
      clearTimeout(timer);
    }
  };
}
