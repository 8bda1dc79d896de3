import { type Refusal, refusals } from "../core/ingest/refusals";

/**
 * Every reply our hooks send, with its RFC 3463 enhanced status code in the text
 * (DESIGN.md, "SMTP conduct"). Hooks reject only with an SmtpReply; smtp-server
 * reads `responseCode` off the error.
 */
export class SmtpReply extends Error {
  readonly responseCode: number;
  readonly enhancedCode: string;
  constructor(responseCode: number, enhancedCode: string, text: string) {
    super(`${enhancedCode} ${text}`);
    this.name = "SmtpReply";
    this.responseCode = responseCode;
    this.enhancedCode = enhancedCode;
  }
}

const reply = (refusal: Refusal) => new SmtpReply(refusal.code, refusal.enhancedCode, refusal.text);

/** Any shared refusal (core/ingest/refusals.ts) as the SMTP reply. */
export const replyFor = reply;

export const replies = {
  // The refusals every ingress shares (core/ingest/refusals.ts): the Email Worker gives the same texts.
  relayDenied: () => reply(refusals.relayDenied()),
  mailboxUnknown: () => reply(refusals.mailboxUnknown()),
  domainUnverified: () => reply(refusals.domainUnverified()),
  badRecipientSyntax: () => reply(refusals.badRecipientSyntax()),
  messageTooBig: (limit: number) => reply(refusals.messageTooBig(limit)),
  /** Postfix's queue_minfree answer: a full disk, or the in-flight byte budget spent. Senders retry. */
  insufficientStorage: () =>
    new SmtpReply(452, "4.3.1", "Insufficient system storage, please try again later"),
  storageFailed: () => new SmtpReply(451, "4.3.0", "Temporary storage failure, please try again later"),
  lookupFailed: () => new SmtpReply(451, "4.3.0", "Temporary lookup failure, please try again later"),
  shuttingDown: () => new SmtpReply(421, "4.3.2", "Service shutting down, please try again later"),
  tooManyFromAddress: () =>
    new SmtpReply(421, "4.3.2", "Too many connections from your address, try again later"),
  // RFC 6531 §3.5: X.6.7 "Non-ASCII addresses not permitted for that sender/recipient".
  nonAsciiWithoutSmtputf8: () =>
    new SmtpReply(553, "5.6.7", "Non-ASCII address needs the SMTPUTF8 parameter on MAIL FROM (RFC 6531)"),
  addressNotUtf8: () => new SmtpReply(553, "5.6.7", "Address has 8-bit bytes that are not UTF-8"),
  // Session limits (session-deadlines.ts, error-limit.ts); 421 closes the session (RFC 5321 §3.8).
  commandTimeout: (seconds: number) =>
    new SmtpReply(421, "4.4.2", `Timeout: no complete command within ${seconds} seconds, closing connection`),
  dataTimeout: (seconds: number) =>
    new SmtpReply(421, "4.4.2", `Timeout: no DATA received for ${seconds} seconds, closing connection`),
  dataTooLong: (seconds: number) =>
    new SmtpReply(421, "4.4.2", `DATA took longer than ${seconds} seconds, closing connection`),
  dataTooSlow: (minRate: number) =>
    new SmtpReply(
      421,
      "4.4.2",
      `DATA too slow: under ${minRate} bytes/second on average, closing connection`,
    ),
  sessionTooLong: (seconds: number) =>
    new SmtpReply(
      421,
      "4.4.2",
      `Session longer than ${seconds} seconds, closing connection; please reconnect`,
    ),
  tooManyErrors: () => new SmtpReply(421, "4.7.0", "Too many errors, closing connection"),
} as const;

/** Texts smtp-server itself sends without the code we want (see enhanced-status.ts). */
export const SERVER_TEXT_CODES: Array<{ code: number; pattern: RegExp; enhancedCode: string }> = [
  { code: 421, pattern: /too many connected clients/i, enhancedCode: "4.3.2" },
  { code: 421, pattern: /shutting down/i, enhancedCode: "4.3.2" },
];
