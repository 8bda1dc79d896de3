import { type Refusal, refusals } from "../ingest/refusals";
import type { RejectionReason } from "../metrics";
import { checkReplyRecipient } from "../reply-addresses/verify";
import type { RecipientResolution } from "../tenancy/recipients";
import type { RcptHookCaller } from "./rcpt-hook";
import { firstMatchingRule, type Rule } from "./rules";

/**
 * What the tenant decides for one recipient whose mailbox exists, in order:
 *   1. a reply-address token must verify (550 5.7.1);
 *   2. the first matching rule: reject (550 5.7.1), accept or quarantine;
 *   3. the tenant's quota, unless a rule rejected: 452 4.2.2 (senders retry);
 *   4. the domain's RCPT hook, when no rule decided: accept, reject (550 5.7.1),
 *      or on a timeout or error its `on_timeout` (451 4.4.3 for tempfail).
 * Every ingress (the SMTP edge at RCPT TO, the Email Worker) asks this, and
 * `POST /v1/rules/test` answers with it, so the three cannot disagree.
 */
export interface RecipientQuestion {
  mailFrom: string;
  rcptTo: string;
  clientIp: string | null;
  helo: string | null;
}

export type RecipientDecision =
  | { accepted: true; replyRef: string | null; quarantined: boolean; rule: Rule | null; decidedBy: DecidedBy }
  | { accepted: false; refusal: Refusal; reason: RejectionReason; rule: Rule | null; decidedBy: DecidedBy };

/** What decided: a rule, the hook, the quota, a reply token, or nothing (the default: accept). */
export type DecidedBy = "rule" | "hook" | "quota" | "reply_address" | "default";

export async function decideRecipient(
  resolution: Extract<RecipientResolution, { kind: "mailbox" }>,
  question: RecipientQuestion,
  deps: { callHook?: RcptHookCaller | undefined; now?: number },
): Promise<RecipientDecision> {
  const reply = await checkReplyRecipient(resolution, question.mailFrom, deps.now);
  if (!reply.ok) {
    return {
      accepted: false,
      refusal: reply.refusal,
      reason: "reply_address_invalid",
      rule: null,
      decidedBy: "reply_address",
    };
  }
  const { policy } = resolution;
  const rule = firstMatchingRule(policy.rules, {
    mailFrom: question.mailFrom,
    rcptTo: question.rcptTo,
    clientIp: question.clientIp,
    mailboxId: resolution.mailboxId,
    domainId: resolution.domainId,
  });
  if (rule?.action === "reject") {
    return {
      accepted: false,
      refusal: refusals.ruleRejected(rule.reason),
      reason: "rule_rejected",
      rule,
      decidedBy: "rule",
    };
  }
  const { usage, limits } = policy;
  if (
    (limits.maxMessages !== null && usage.messages >= limits.maxMessages) ||
    (limits.maxBytes !== null && usage.bytes >= limits.maxBytes)
  ) {
    return {
      accepted: false,
      refusal: refusals.quotaExceeded(),
      reason: "quota_exceeded",
      rule,
      decidedBy: "quota",
    };
  }
  const accept = (quarantined: boolean, decidedBy: DecidedBy): RecipientDecision => ({
    accepted: true,
    replyRef: reply.replyRef,
    quarantined,
    rule,
    decidedBy,
  });
  if (rule) return accept(rule.action === "quarantine", "rule");
  if (!policy.rcptHook || !deps.callHook) return accept(false, "default");

  const answer = await deps.callHook(policy.rcptHook, {
    domainId: resolution.domainId,
    mailFrom: question.mailFrom,
    rcptTo: question.rcptTo,
    clientIp: question.clientIp,
    helo: question.helo,
  });
  const outcome = answer.action === "failed" ? policy.rcptHook.config.onTimeout : answer.action;
  if (outcome === "accept") return accept(false, "hook");
  if (outcome === "reject") {
    const reason = answer.action === "reject" ? answer.reason : null;
    return {
      accepted: false,
      refusal: refusals.hookRejected(reason),
      reason: "hook_rejected",
      rule,
      decidedBy: "hook",
    };
  }
  return {
    accepted: false,
    refusal: refusals.hookTempfail(),
    reason: "hook_failed",
    rule,
    decidedBy: "hook",
  };
}
