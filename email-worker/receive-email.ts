import { bytesToHex, sha256Hex } from "../core/crypto";
import { newId } from "../core/ids";
import { type IngestDeps, type IngestResult, ingestMessage } from "../core/ingest/ingest-message";
import { type Refusal, refusalLine, refusals } from "../core/ingest/refusals";
import { formatRfc5322Date, sanitizeHeaderWord } from "../core/ingest/rfc5322-date";
import type { Logger } from "../core/logger";
import type { Metrics, RejectionReason } from "../core/metrics";
import { decideRecipient } from "../core/policy/decide";
import type { RejectionLedger } from "../core/policy/ledger";
import type { RcptHookCaller } from "../core/policy/rcpt-hook";
import { type RecipientResolution, resolveRecipient } from "../core/tenancy/recipients";
import { trustedAuthResults } from "./trusted-auth";

/**
 * The Cloudflare Email Routing ingress: the Worker's `email(message, env, ctx)`
 * handler. An adapter over core/ingest like the SMTP edge, with the same rules
 * (recipient lookup, a copy per mailbox, bytes once, outbox rows in the commit)
 * and the same refusal texts.
 *
 * Failure semantics: a refusal (unhosted domain, unknown mailbox, too big) is
 * `setReject` — Email Routing bounces with it. A storage or lookup failure is
 * a thrown error, never `setReject`: Email Routing then reports a temporary
 * failure and the sender retries. A retry whose first answer was lost stores no
 * second copy: the write carries a key over envelope and bytes (ingress_key).
 */

/** What we use of Cloudflare's ForwardableEmailMessage. */
export interface IncomingEmail {
  readonly from: string;
  readonly to: string;
  readonly raw: ReadableStream<Uint8Array>;
  readonly rawSize: number;
  setReject(reason: string): void | Promise<void>;
}

export interface EmailReceiverDeps extends IngestDeps {
  logger: Logger;
  maxMessageBytes: number;
  /** Our name in the Received: header. */
  serverName: string;
  metrics?: Pick<Metrics, "countMessageRejected" | "countMessagesReceived"> | undefined;
  /** The rejection ledger (core/policy/ledger.ts); absent: refusals are counted only. */
  ledger?: Pick<RejectionLedger, "record" | "flush"> | undefined;
  /** The tenants' RCPT hooks (the Worker's fetch transport); absent: not called. */
  callHook?: RcptHookCaller | undefined;
}

export type EmailOutcome =
  | { status: "stored"; result: Extract<IngestResult, { status: "stored" }> }
  | { status: "rejected"; reason: string };

/** Thrown for a temporary failure (storage, lookup): Email Routing retries the delivery. */
export class TemporaryEmailFailure extends Error {
  override readonly name = "TemporaryEmailFailure";
}

export function createEmailReceiver(deps: EmailReceiverDeps) {
  const reject = async (
    message: IncomingEmail,
    refusal: Refusal,
    reason: RejectionReason,
    tenantId: string | null = null,
  ): Promise<EmailOutcome> => {
    const line = refusalLine(refusal);
    // Synchronous on Cloudflare; a promise where the message is an RPC stub (Miniflare): wait for it there.
    await message.setReject(line);
    deps.metrics?.countMessageRejected(reason, "email-worker");
    if (deps.ledger) {
      deps.ledger.record({
        tenantId,
        stage: "rcpt_to",
        code: refusal.code,
        enhancedCode: refusal.enhancedCode,
        reason,
        detail: refusal.text,
        mailFrom: message.from,
        rcptTo: message.to,
        clientIp: null,
      });
      // A Worker's invocation ends with the message: the row is written now, not on a timer.
      await deps.ledger.flush();
    }
    return { status: "rejected", reason: line };
  };

  return async function receiveEmail(message: IncomingEmail): Promise<EmailOutcome> {
    const started = Date.now();
    const log = (fields: Record<string, unknown>) =>
      deps.logger.info("email message", {
        ingress: "email-worker",
        mailFrom: message.from,
        rcptTo: message.to,
        bytes: message.rawSize,
        durationMs: Date.now() - started,
        ...fields,
      });
    // The declared size first: an oversize message is refused before a byte of it is read.
    if (message.rawSize > deps.maxMessageBytes) {
      const outcome = await reject(message, refusals.messageTooBig(deps.maxMessageBytes), "too_big");
      log({ reply: outcome.status === "rejected" ? outcome.reason : null });
      return outcome;
    }
    let resolution: RecipientResolution;
    try {
      resolution = await resolveRecipient(deps.store.db, message.to);
    } catch (error) {
      deps.metrics?.countMessageRejected("lookup_failed", "email-worker");
      log({ reply: "temporary failure", error: String(error) });
      throw new TemporaryEmailFailure(`recipient lookup failed: ${String(error)}`, { cause: error });
    }
    if (resolution.kind !== "mailbox") {
      const outcome =
        resolution.kind === "domain-not-hosted"
          ? await reject(message, refusals.relayDenied(), "relay_denied")
          : resolution.kind === "domain-unverified"
            ? await reject(message, refusals.domainUnverified(), "domain_unverified", resolution.tenantId)
            : resolution.kind === "unknown-mailbox"
              ? await reject(message, refusals.mailboxUnknown(), "mailbox_unknown", resolution.tenantId)
              : await reject(message, refusals.badRecipientSyntax(), "bad_recipient");
      log({ reply: outcome.status === "rejected" ? outcome.reason : null });
      return outcome;
    }

    // What the tenant decides, as at the SMTP edge's RCPT TO: reply tokens, rules, quota, its hook.
    const decision = await decideRecipient(
      resolution,
      { mailFrom: message.from, rcptTo: message.to, clientIp: null, helo: null },
      { callHook: deps.callHook },
    );
    if (!decision.accepted) {
      if (decision.refusal.code < 500) {
        // A temporary refusal (quota, a hook that did not answer): Email Routing retries.
        deps.metrics?.countMessageRejected(decision.reason, "email-worker");
        log({ reply: "temporary failure", reason: decision.reason });
        throw new TemporaryEmailFailure(refusalLine(decision.refusal));
      }
      const outcome = await reject(message, decision.refusal, decision.reason, resolution.tenantId);
      log({ reply: outcome.status === "rejected" ? outcome.reason : null });
      return outcome;
    }

    // Read the stream once, whole; a stream longer than it said is refused too.
    const asReceived = new Uint8Array(await new Response(message.raw).arrayBuffer());
    if (asReceived.byteLength > deps.maxMessageBytes) {
      const outcome = await reject(
        message,
        refusals.messageTooBig(deps.maxMessageBytes),
        "too_big",
        resolution.tenantId,
      );
      log({ reply: outcome.status === "rejected" ? outcome.reason : null });
      return outcome;
    }
    const messageId = newId("message");
    const now = new Date((deps.now ?? Date.now)());

    const result = await ingestMessage(deps, {
      ingress: "email-worker",
      ingressKey: await deliveryKey(message, asReceived),
      raw: asReceived,
      traceHeader: (copy) =>
        `Received: from cloudflare-email-routing\r\n\tby ${sanitizeHeaderWord(deps.serverName)} (OmniMail) with ESMTP id ${copy.messageId}\r\n\tfor <${sanitizeHeaderWord(message.to)}>;\r\n\t${formatRfc5322Date(now)}\r\n`,
      // Verdicts of the Email Routing hop only (trusted-auth.ts), read before our header went on.
      auth: trustedAuthResults(asReceived),
      deliveries: [
        {
          messageId,
          tenantId: resolution.tenantId,
          mailboxId: resolution.mailboxId,
          rcptTo: [message.to],
          replyRef: decision.replyRef,
          quarantined: decision.quarantined,
        },
      ],
      envelope: { mailFrom: message.from, remoteIp: null, helo: null, tls: null },
    });
    if (result.status === "not-stored") {
      deps.metrics?.countMessageRejected("storage_failed", "email-worker");
      log({ reply: "temporary failure", reason: result.reason, error: result.detail });
      throw new TemporaryEmailFailure(`message not stored (${result.reason}): ${result.detail}`);
    }
    if (!result.duplicate) deps.metrics?.countMessagesReceived(result.stored.length, "email-worker");
    log({ queueId: result.stored[0]?.id ?? null, reply: "accepted", duplicate: result.duplicate ?? false });
    return { status: "stored", result };
  };
}

/** One delivery, however often Email Routing hands it to us: envelope and the bytes it carried. */
async function deliveryKey(message: IncomingEmail, bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return sha256Hex(`${message.from.toLowerCase()}\n${message.to.toLowerCase()}\n${bytesToHex(digest)}`);
}
