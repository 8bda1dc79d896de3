/**
 * Sender authentication results stored on a message and returned by the API and
 * webhooks. Verdicts are RFC 8601 result keywords: pass, fail, softfail,
 * neutral, none, temperror, permerror, policy.
 */
export interface SenderAuthResults {
  spf: { result: string; domain: string | null };
  /** One entry per DKIM signature; a single `none` entry when the message is unsigned. */
  dkim: Array<{ result: string; domain: string | null; selector: string | null; aligned: boolean }>;
  dmarc: { result: string; domain: string | null; policy: string | null };
  arc: { result: string };
  /** The Authentication-Results / Received-SPF header text (not added to the stored bytes). */
  header: string;
}
