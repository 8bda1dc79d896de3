import { addressParser } from "postal-mime";

/**
 * What is odd about a message's own header fields, by name. Each is a way a
 * message can show a reader something other than what was checked, or that
 * the sender left out what RFC 5322 section 3.6 asks for:
 * - `duplicate_*`: a field the table in section 3.6 allows at most once
 *   appears more than once. Readers disagree on which copy they show (the
 *   first, the last, both); `from`, `subject`, `date` and `messageId` here are
 *   always the first (parse.ts says why).
 * - `missing_*`: From and Date are required, Message-ID "SHOULD be present";
 *   a field with an empty value counts as missing.
 * - `encoded_word_address`: an RFC 2047 encoded word where an address is, in
 *   From, Sender, To, Cc or Reply-To. RFC 2047 section 5 allows encoded words
 *   in a display name only; a reader that decodes one inside the addr-spec
 *   (`<=?utf-8?q?ceo=40example.com?=@attacker.example>`), or takes the address
 *   from a decoded word (`=?utf-8?b?PGNlb0BleGFtcGxlLmNvbT4=?=`, which
 *   postal-mime reads as `ceo@example.com`), shows an address DMARC never saw.
 */
export const HEADER_ANOMALIES = [
  "duplicate_from",
  "duplicate_to",
  "duplicate_subject",
  "duplicate_date",
  "duplicate_message_id",
  "missing_from",
  "missing_date",
  "missing_message_id",
  "encoded_word_address",
] as const;

export type HeaderAnomaly = (typeof HEADER_ANOMALIES)[number];

const AT_MOST_ONCE: ReadonlyArray<[key: string, anomaly: HeaderAnomaly]> = [
  ["from", "duplicate_from"],
  ["to", "duplicate_to"],
  ["subject", "duplicate_subject"],
  ["date", "duplicate_date"],
  ["message-id", "duplicate_message_id"],
];

const REQUIRED: ReadonlyArray<[key: string, anomaly: HeaderAnomaly]> = [
  ["from", "missing_from"],
  ["date", "missing_date"],
  ["message-id", "missing_message_id"],
];

const ADDRESS_FIELDS = new Set(["from", "sender", "to", "cc", "reply-to"]);

const ENCODED_WORD = /=\?[^?\s]+\?[QqBb]\?[^?]*\?=/;

/**
 * The anomalies of a header section, in `HEADER_ANOMALIES` order; [] for a
 * plain message. `headers` are postal-mime's: keys in lower case, values
 * unfolded, in document order.
 */
export function findHeaderAnomalies(headers: ReadonlyArray<{ key: string; value: string }>): HeaderAnomaly[] {
  const count = new Map<string, number>();
  const present = new Set<string>();
  let encodedAddress = false;
  for (const { key, value } of headers) {
    count.set(key, (count.get(key) ?? 0) + 1);
    if (value.trim() !== "") present.add(key);
    if (!encodedAddress && ADDRESS_FIELDS.has(key)) encodedAddress = hasEncodedWordAddress(value);
  }
  const found = new Set<HeaderAnomaly>();
  for (const [key, anomaly] of AT_MOST_ONCE) if ((count.get(key) ?? 0) > 1) found.add(anomaly);
  for (const [key, anomaly] of REQUIRED) if (!present.has(key)) found.add(anomaly);
  if (encodedAddress) found.add("encoded_word_address");
  return HEADER_ANOMALIES.filter((anomaly) => found.has(anomaly));
}

/**
 * Whether an address field has an encoded word where an address is: an
 * address (as postal-mime reads it) that holds one, or that is not in the
 * field as written (it came out of a decoded word), or a mailbox with no
 * address whose name decodes to one.
 */
function hasEncodedWordAddress(value: string): boolean {
  if (!ENCODED_WORD.test(value)) return false;
  for (const mailbox of addressParser(value, { flatten: true })) {
    if (mailbox.group) continue;
    if (mailbox.address === "") {
      if (mailbox.name.includes("@")) return true;
    } else if (ENCODED_WORD.test(mailbox.address) || !value.includes(mailbox.address)) {
      return true;
    }
  }
  return false;
}
