/**
 * The refusals every ingress gives for the same reasons, with the same texts:
 * the SMTP edge as replies (smtp-edge/replies.ts), the Email Worker as
 * `setReject` reasons. RFC 3463 enhanced codes are part of the text.
 */
export interface Refusal {
  code: number;
  enhancedCode: string;
  text: string;
}

export const refusals = {
  relayDenied: (): Refusal => ({ code: 554, enhancedCode: "5.7.1", text: "Relay access denied" }),
  mailboxUnknown: (): Refusal => ({ code: 550, enhancedCode: "5.1.1", text: "Mailbox unknown" }),
  /** RFC 3463 5.7.1: delivery not authorized; the reason says why, and that it is not the sender's fault. */
  domainUnverified: (): Refusal => ({
    code: 550,
    enhancedCode: "5.7.1",
    text: "Domain not verified: its owner has not proven it to this server yet",
  }),
  badRecipientSyntax: (): Refusal => ({
    code: 553,
    enhancedCode: "5.1.3",
    text: "Recipient address syntax is not valid",
  }),
  /** A reply address (POST /v1/reply-addresses) that does not verify for this mailbox and sender. */
  replyAddressInvalid: (reason: "forged" | "expired" | "wrong-sender", sender: string): Refusal => ({
    code: 550,
    enhancedCode: "5.7.1",
    text: {
      forged: "This reply address is not valid: it was altered or never issued",
      expired: "This reply address has expired",
      // A sender-bound token's MAC covers the sender: another sender and an altered token look the same.
      "wrong-sender": `This reply address is not valid for mail from ${sender || "the null sender"}: it was altered, or issued for another sender`,
    }[reason],
  }),
  /** A tenant's rule (POST /v1/rules) refused this sender or recipient. */
  ruleRejected: (reason: string | null): Refusal => ({
    code: 550,
    enhancedCode: "5.7.1",
    text: reason ?? "Delivery not authorized by the recipient's policy",
  }),
  /** The tenant's own application (its RCPT hook) refused the recipient. */
  hookRejected: (reason: string | null): Refusal => ({
    code: 550,
    enhancedCode: "5.7.1",
    text: reason ?? "Recipient refused by its domain's policy",
  }),
  /** The tenant's hook did not answer: the sender retries (RFC 3463 4.4.3, directory server failure). */
  hookTempfail: (): Refusal => ({
    code: 451,
    enhancedCode: "4.4.3",
    text: "Recipient check temporarily unavailable, please try again later",
  }),
  /** The tenant is at its quota (RFC 3463 4.2.2, mailbox full): the sender retries. */
  quotaExceeded: (): Refusal => ({
    code: 452,
    enhancedCode: "4.2.2",
    text: "Mailbox full: the recipient's storage quota is used up, please try again later",
  }),
  messageTooBig: (limit: number): Refusal => ({
    code: 552,
    enhancedCode: "5.3.4",
    text: `Message size exceeds fixed limit of ${limit} bytes`,
  }),
} as const;

/** `554 5.7.1 Relay access denied`: the reply line as a sender sees it. */
export function refusalLine(refusal: Refusal): string {
  return `${refusal.code} ${refusal.enhancedCode} ${refusal.text}`;
}
