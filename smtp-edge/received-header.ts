import type { SMTPServerSession } from "smtp-server";
import { formatRfc5322Date, sanitizeHeaderWord as sanitize } from "../core/ingest/rfc5322-date";

/**
 * The `Received:` trace header (RFC 5321 §4.4) we prepend to every stored
 * message. `for <rcpt>` is added only for a single recipient, as Postfix does,
 * so a copy never reveals the other (maybe Bcc) recipients.
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
  const by = `by ${input.serverName} (OmniMail) with ${session.transmissionType || "SMTP"} id ${input.queueId}`;
  const recipient = input.recipients.length === 1 ? `\r\n\tfor <${sanitize(input.recipients[0] ?? "")}>` : "";
  return `Received: ${from}\r\n\t${by}${tls}${recipient};\r\n\t${formatRfc5322Date(input.date)}\r\n`;
}
