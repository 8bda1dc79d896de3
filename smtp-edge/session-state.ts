import type { SMTPServerEnvelope } from "smtp-server";

/** Where each accepted recipient of a transaction goes, as decided at RCPT time. */
export interface RecipientTarget {
  address: string;
  tenantId: string;
  mailboxId: string;
  /** The `ref` of the reply address this recipient was (POST /v1/reply-addresses), or null. */
  replyRef: string | null;
  /** A tenant's `quarantine` rule matched: stored held, announced only when released. */
  quarantined: boolean;
}

// Keyed by the envelope: smtp-server makes a new one for every transaction
// (RSET, a completed DATA), so nothing leaks from one transaction to the next.
const targetsByEnvelope = new WeakMap<SMTPServerEnvelope, Map<string, RecipientTarget>>();

export function rememberRecipient(envelope: SMTPServerEnvelope, target: RecipientTarget): void {
  let targets = targetsByEnvelope.get(envelope);
  if (!targets) {
    targets = new Map();
    targetsByEnvelope.set(envelope, targets);
  }
  targets.set(target.address.toLowerCase(), target);
}

export function recipientTargets(envelope: SMTPServerEnvelope): RecipientTarget[] {
  const targets = targetsByEnvelope.get(envelope);
  if (!targets) return [];
  // Only recipients still on the envelope (smtp-server replaces a repeated RCPT).
  return envelope.rcptTo
    .map((rcpt) => targets.get(rcpt.address.toLowerCase()))
    .filter((target): target is RecipientTarget => target !== undefined);
}
