import type { SMTPServerAddress, SMTPServerSession } from "smtp-server";
import type { Logger } from "../../core/logger";
import { decideRecipient } from "../../core/policy/decide";
import type { RcptHookCaller } from "../../core/policy/rcpt-hook";
import type { RecipientResolution } from "../../core/tenancy/recipients";
import { eightBitRefusal, usedSmtputf8 } from "../address-encoding";
import type { CountRejection } from "../refusal-context";
import { replies, replyFor, type SmtpReply } from "../replies";
import { rememberRecipient } from "../session-state";

/**
 * RCPT TO: answered from the database (DESIGN.md, "SMTP conduct").
 * Unhosted domain → 554 5.7.1 (we are not an open relay); hosted domain without
 * that mailbox or a catch-all → 550 5.1.1; database unreachable → 451 4.3.0, so
 * the sender retries instead of bouncing. An 8-bit address needs SMTPUTF8 on the
 * transaction's MAIL FROM (RFC 6531 §3.5): 553 5.6.7, before any lookup. Then
 * what the tenant decides (core/policy/decide.ts): its reply tokens, rules,
 * quota and RCPT hook.
 */
export function createRcptToHook(deps: {
  resolveRecipient: (address: string) => Promise<RecipientResolution>;
  /** The tenants' RCPT hooks (core/policy/rcpt-hook.ts); absent: hooks are not called (accepted). */
  callHook?: RcptHookCaller | undefined;
  logger: Logger;
  countRejection: CountRejection;
}) {
  return (address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) => {
    const refused = (
      reason: Parameters<CountRejection>[0],
      reply: SmtpReply,
      tenantId: string | null = null,
    ) => {
      deps.countRejection(reason, {
        stage: "rcpt_to",
        session,
        reply,
        targets: [{ rcptTo: address.address, tenantId }],
      });
      callback(reply);
    };
    const refusal = eightBitRefusal(address, usedSmtputf8(session.envelope.mailFrom));
    if (refusal) return refused("bad_recipient", refusal);
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
    const helo = session.hostNameAppearsAs ?? null;
    deps.resolveRecipient(address.address).then(
      async (resolution) => {
        switch (resolution.kind) {
          case "mailbox": {
            const decision = await decideRecipient(
              resolution,
              { mailFrom, rcptTo: address.address, clientIp: session.remoteAddress ?? null, helo },
              { callHook: deps.callHook },
            ).catch((error: unknown) => {
              deps.logger.error("recipient decision failed", { session: session.id, error: String(error) });
              return null;
            });
            if (!decision) return refused("lookup_failed", replies.lookupFailed());
            if (!decision.accepted) {
              return refused(decision.reason, replyFor(decision.refusal), resolution.tenantId);
            }
            rememberRecipient(session.envelope, {
              address: address.address,
              tenantId: resolution.tenantId,
              mailboxId: resolution.mailboxId,
              replyRef: decision.replyRef,
              quarantined: decision.quarantined,
            });
            return callback();
          }
          case "domain-not-hosted":
            return refused("relay_denied", replies.relayDenied());
          case "domain-unverified":
            return refused("domain_unverified", replies.domainUnverified(), resolution.tenantId);
          case "unknown-mailbox":
            return refused("mailbox_unknown", replies.mailboxUnknown(), resolution.tenantId);
          case "invalid-address":
            return refused("bad_recipient", replies.badRecipientSyntax());
        }
      },
      (error: unknown) => {
        deps.logger.error("recipient lookup failed", { session: session.id, error: String(error) });
        refused("lookup_failed", replies.lookupFailed());
      },
    );
  };
}
