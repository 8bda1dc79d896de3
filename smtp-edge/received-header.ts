import type { SMTPServerSession } from "smtp-server";
import { formatRfc5322Date, sanitizeHeaderWord as sanitize } from "../core/ingest/rfc5322-date";
import { usedSmtputf8 } from "./address-encoding";

/**
 * The `Received:` trace header (RFC 5321 §4.4) we prepend to every stored
 * message. `for <rcpt>` is added only for a single recipient, as Postfix does,
 * so a copy never reveals the other (maybe Bcc) recipients. A transaction with
 * SMTPUTF8 is `with UTF8SMTP[S][A]` (RFC 6531 §4.3) and its recipient keeps its
 * UTF-8 letters (RFC 6532 allows UTF-8 in such a message's header).
 */
export function buildReceivedHeader(input: {
  session: SMTPServerSession;
  serverName: string;
  queueId: string;
  recipients: string[];
  date: Date;
}): string {
  const { session } = input;
  const helo = sanitize(session.hostNameAppearsAs || "unknown");
  const reverse = sanitize(session.clientHostname || `[${session.remoteAddress}]`);
  const from = `from ${helo} (${reverse} [${session.remoteAddress}])`;
  const tls = session.tlsOptions
    ? `\r\n\t(using ${sanitize(session.tlsOptions.version ?? session.tlsOptions.standardName ?? "TLS")} with cipher ${sanitize(session.tlsOptions.name)})`
    : "";
  const utf8 = usedSmtputf8(session.envelope.mailFrom);
  const protocol = session.transmissionType || "SMTP";
  const withType = utf8 && protocol.startsWith("ESMTP") ? `UTF8SMTP${protocol.slice(5)}` : protocol;
  const by = `by ${input.serverName} (OmniMail) with ${withType} id ${input.queueId}`;
  const rcpt = input.recipients[0] ?? "";
  const forWord = utf8 ? sanitizeUtf8Word(rcpt) : sanitize(rcpt);
  const recipient = input.recipients.length === 1 ? `\r\n\tfor <${forWord}>` : "";
  return `Received: ${from}\r\n\t${by}${tls}${recipient};\r\n\t${formatRfc5322Date(input.date)}\r\n`;
}

/** As sanitizeHeaderWord, but non-ASCII letters stay: only controls, spaces and angle brackets become `?`. */
function sanitizeUtf8Word(value: string): string {
  return [...value.replace(/[\p{Cc}\p{Cf}\p{White_Space}\p{Co}\p{Cs}<>\uFFFD]/gu, "?")]
    .slice(0, 255)
    .join("");
}
