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

export const replies = {
  // The refusals every ingress shares (core/ingest/refusals.ts): the Email Worker gives the same texts.
  relayDenied: () => reply(refusals.relayDenied()),
  mailboxUnknown: () => reply(refusals.mailboxUnknown()),
  badRecipientSyntax: () => reply(refusals.badRecipientSyntax()),
  messageTooBig: (limit: number) => reply(refusals.messageTooBig(limit)),
  storageFailed: () => new SmtpReply(451, "4.3.0", "Temporary storage failure, please try again later"),
  lookupFailed: () => new SmtpReply(451, "4.3.0", "Temporary lookup failure, please try again later"),
  shuttingDown: () => new SmtpReply(421, "4.3.2", "Service shutting down, please try again later"),
  tooManyFromAddress: () =>
    new SmtpReply(421, "4.3.2", "Too many connections from your address, try again later"),
} as const;

/** Texts smtp-server itself sends without the code we want (see enhanced-status.ts). */
export const SERVER_TEXT_CODES: Array<{ code: number; pattern: RegExp; enhancedCode: string }> = [
  { code: 421, pattern: /too many connected clients/i, enhancedCode: "4.3.2" },
  { code: 421, pattern: /shutting down/i, enhancedCode: "4.3.2" },
];
