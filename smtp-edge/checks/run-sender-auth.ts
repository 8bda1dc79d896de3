import { isIP } from "node:net";
import { type AuthenticateResult, authenticate, type DNSResolver, spf } from "mailauth";
import type { SenderAuthResults } from "../../core/messages/auth";
import { scanHeaderSection } from "../../core/messages/header-limit";

export interface SenderAuthEnvelope {
  ip: string;
  helo: string;
  sender: string;
  mta: string;
}

/**
 * SPF, DKIM, DMARC and ARC of one message with mailauth. Runs in the auth
 * thread (auth-thread.ts), never on the event loop that serves SMTP and HTTP.
 *
 * mailauth is given the message only when its header section is within the
 * bounds of core/messages/header-limit.ts (10,000 lines, 10 DKIM-Signature
 * fields): mailauth 7.1.0 `parseHeaders` is quadratic in the number of header
 * lines, and every DKIM signature costs a lookup, a verification and possibly
 * a body hash. Past a bound, SPF is still checked (it reads the envelope
 * only, never the header), and DKIM, DMARC and ARC answer `permerror`: the
 * same bytes would break the same bound on every try, so the error is
 * permanent, not temporary (RFC 8601 section 2.7.1: "a later attempt is
 * unlikely to produce a final result").
 */
export async function runSenderAuth(
  raw: Uint8Array,
  envelope: SenderAuthEnvelope,
  resolver: DNSResolver,
): Promise<SenderAuthResults> {
  const section = scanHeaderSection(raw);
  if (section.overLimit) return checkSpfOnly(envelope, resolver, `not checked: ${section.overLimit}`);
  // Only a DKIM or ARC message signature makes mailauth read the body (its hash). Without one, the
  // header section alone gives the same results, and mailauth's byte-at-a-time line-ending pass over
  // the body (a JavaScript generator: ~17 µs per KB, 400 ms for 25 MB) is not paid.
  const checked =
    section.dkimSignatures === 0 && section.arcMessageSignatures === 0
      ? raw.subarray(0, section.bodyStart)
      : raw;
  const result = await authenticate(Buffer.from(checked.buffer, checked.byteOffset, checked.byteLength), {
    ip: envelope.ip,
    helo: envelope.helo,
    sender: envelope.sender,
    mta: envelope.mta,
    resolver,
    disableBimi: true,
  });
  return toSenderAuthResults(result);
}

/** Every check answers temperror (a DNS failure, a timeout): a later attempt may succeed. */
export function temperror(reason: string): SenderAuthResults {
  return {
    spf: { result: "temperror", domain: null },
    dkim: [],
    dmarc: { result: "temperror", domain: null, policy: null },
    arc: { result: "temperror" },
    header: `Authentication-Results: temperror (${comment(reason)})\r\n`,
  };
}

/** SPF as usual; DKIM, DMARC and ARC `permerror` with `reason`, because the header section was not read. */
async function checkSpfOnly(
  envelope: SenderAuthEnvelope,
  resolver: DNSResolver,
  reason: string,
): Promise<SenderAuthResults> {
  // As mailauth's authenticate() does: the IP stands in for a missing HELO, in brackets (RFC 5321 4.1.3).
  let helo = envelope.helo || envelope.ip;
  if (helo && isIP(helo)) helo = `[${helo}]`;
  const result = await spf({ ip: envelope.ip, helo, sender: envelope.sender, mta: envelope.mta, resolver });
  const why = comment(reason);
  const info = [result.info, `dkim=permerror (${why})`, `dmarc=permerror (${why})`, `arc=permerror (${why})`];
  return {
    spf: { result: result.status.result, domain: result.domain ?? null },
    dkim: [{ result: "permerror", domain: null, selector: null, aligned: false }],
    dmarc: { result: "permerror", domain: null, policy: null },
    arc: { result: "permerror" },
    header: `${result.header ? `${result.header}\r\n` : ""}Authentication-Results: ${envelope.mta};\r\n ${info.join(";\r\n ")}\r\n`,
  };
}

function toSenderAuthResults(result: AuthenticateResult): SenderAuthResults {
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
}

/** Text safe inside an RFC 5322 comment: no parentheses, backslashes or line breaks. */
function comment(text: string): string {
  return text.replace(/[()\\\r\n]/g, " ");
}
