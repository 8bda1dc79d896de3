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

export const replies = {
  relayDenied: () => new SmtpReply(554, "5.7.1", "Relay access denied"),
  mailboxUnknown: () => new SmtpReply(550, "5.1.1", "Mailbox unknown"),
  badRecipientSyntax: () => new SmtpReply(553, "5.1.3", "Recipient address syntax is not valid"),
  messageTooBig: (limit: number) =>
    new SmtpReply(552, "5.3.4", `Message size exceeds fixed limit of ${limit} bytes`),
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
