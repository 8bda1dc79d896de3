import { createDkimKey } from "../helpers/dkim";
import { type DnsServer, startDnsServer } from "../helpers/dns-server";
import { DISTINCT_SENDER_SUFFIX, HELO_NAME, SENDER_DOMAIN } from "./messages";

/**
 * The name server of a benchmark run (tests/helpers/dns-server.ts on
 * 127.0.0.1, UDP and TCP), which every OmniMail the bench starts is pointed
 * at with OMNIMAIL_DNS_SERVERS: sender authentication stays on, as by
 * default, and its queries never leave the machine. It serves, with a normal
 * TTL, an SPF record that passes for 127.0.0.1 and a `p=none` DMARC record
 * for the load's sender domain and its HELO name, and the same for any name
 * under DISTINCT_SENDER_SUFFIX (a distinct sender domain per message), and a
 * DKIM key (RSA 2048) at `DKIM_SELECTOR._domainkey` of the sender domain,
 * whose private half signs the messages of the DKIM-signed load.
 *
 * The test server has no wildcards; its per-question delay hook sees every
 * question before it is answered, so the records of a distinct sender domain
 * are added there, the first time the domain is asked about. The same hook
 * holds 1 answer in `every` for `delayMs` in the slow-answer scenario.
 */

export const SPF_RECORD = "v=spf1 ip4:127.0.0.1 -all";
export const DMARC_RECORD = "v=DMARC1; p=none";
export const DKIM_SELECTOR = "bench";
/** Seconds: a usual TTL for SPF and DMARC records. */
export const RECORD_TTL = 300;

const distinctName = /^(?:_dmarc\.)?(d\d+\.[a-z0-9]+\.distinct\.bench\.localhost)$/;

export interface SlowAnswers {
  /** One answer in this many is held... */
  every: number;
  /** ...this long. */
  delayMs: number;
}

export interface BenchDns {
  /** `127.0.0.1:PORT`, for OMNIMAIL_DNS_SERVERS. */
  address: string;
  /** PKCS#8 PEM of the key published at DKIM_SELECTOR, for the DKIM-signed load. */
  dkimPrivateKey: string;
  /** Questions received since the start (every type, cache misses of every OmniMail the bench runs). */
  readonly questions: number;
  /** Holds 1 answer in `every` for `delayMs` (counting every question); null: every answer at once. */
  setSlowAnswers(slow: SlowAnswers | null): void;
  /** Drops the records of distinct sender domains and the question log, so memory stays flat across runs. */
  forgetDistinct(): void;
  stop(): Promise<void>;
}

function senderRecords(server: DnsServer, domain: string): void {
  server.set(domain, "TXT", [SPF_RECORD], RECORD_TTL);
  server.set(`_dmarc.${domain}`, "TXT", [DMARC_RECORD], RECORD_TTL);
}

export async function startBenchDns(): Promise<BenchDns> {
  const server = await startDnsServer();
  senderRecords(server, SENDER_DOMAIN);
  senderRecords(server, HELO_NAME);
  const dkimKey = createDkimKey();
  server.set(`${DKIM_SELECTOR}._domainkey.${SENDER_DOMAIN}`, "TXT", [dkimKey.txtRecord], RECORD_TTL);
  let questions = 0;
  let slow: SlowAnswers | null = null;
  server.setDelay((query) => {
    questions++;
    const distinct = distinctName.exec(query.name)?.[1];
    if (distinct && !server.records[distinct]) senderRecords(server, distinct);
    return slow && questions % slow.every === 0 ? slow.delayMs : 0;
  });
  return {
    address: server.address,
    dkimPrivateKey: dkimKey.privateKeyPem,
    get questions() {
      return questions;
    },
    setSlowAnswers(next) {
      slow = next;
    },
    forgetDistinct() {
      for (const name of Object.keys(server.records)) {
        if (name.endsWith(`.${DISTINCT_SENDER_SUFFIX}`)) server.remove(name);
      }
      server.resetQueries();
    },
    stop: () => server.stop(),
  };
}
