import { type Refusal, refusals } from "../ingest/refusals";
import type { RecipientResolution } from "../tenancy/recipients";
import { checkReplyToken, looksLikeReplyToken } from "./token";

export type ReplyRecipientCheck = { ok: true; replyRef: string | null } | { ok: false; refusal: Refusal };

/**
 * The reply-address rule every ingress applies at RCPT time, after the
 * mailbox is found: a tag shaped like a reply token must verify for this
 * mailbox, this tenant's key and this sender, or the recipient is refused
 * `550 5.7.1` with the reason; a valid one carries its `ref` onto the stored
 * copy. Any other tag (`alice+newsletter`) is ordinary subaddressing.
 */
export async function checkReplyRecipient(
  resolution: Extract<RecipientResolution, { kind: "mailbox" }>,
  mailFrom: string,
  now = Date.now(),
): Promise<ReplyRecipientCheck> {
  const tag = resolution.subaddress;
  if (!tag || !looksLikeReplyToken(tag)) return { ok: true, replyRef: null };
  if (!resolution.replyKey) return { ok: false, refusal: refusals.replyAddressInvalid("forged", mailFrom) };
  const check = await checkReplyToken({
    token: tag,
    replyKey: resolution.replyKey,
    mailboxId: resolution.mailboxId,
    mailFrom,
    now,
  });
  return check.ok
    ? { ok: true, replyRef: check.ref }
    : { ok: false, refusal: refusals.replyAddressInvalid(check.reason, mailFrom) };
}
