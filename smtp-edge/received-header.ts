import type { SMTPServerSession } from "smtp-server";

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

/** Client-supplied words go into a header: keep them printable ASCII and short. */
function sanitize(value: string): string {
  return value.replace(/[^\x21-\x7e]/g, "?").slice(0, 255);
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `Wed, 25 Nov 2026 14:43:50 +0000` (RFC 5322 §3.3), always in UTC. */
export function formatRfc5322Date(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}
