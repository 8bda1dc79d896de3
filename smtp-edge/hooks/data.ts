import type { SMTPServerDataStream, SMTPServerSession } from "smtp-server";
import type { IngestResult } from "../../core/ingest/ingest-message";
import type { Logger } from "../../core/logger";
import type { RejectionReason } from "../../core/metrics";
import type { MessageBody } from "../ingest";
import { createMessageBuffer, type MessageBuffer } from "../message-buffer";
import type { CountRejection } from "../refusal-context";
import { replies, type SmtpReply } from "../replies";
import { recipientTargets } from "../session-state";
import type { DeclaredHolds, FreeSpaceProbe, InflightBudget } from "../storage-guard";

export interface DataHookDeps {
  maxMessageBytes: number;
  countRejection: CountRejection;
  ingest: (input: { session: SMTPServerSession; body: MessageBody }) => Promise<IngestResult>;
  logger: Logger;
  /** Tracks DATA in flight (first byte to reply) so a graceful shutdown can wait for it. */
  track: <T>(work: Promise<T>) => Promise<T>;
  /** Bytes of DATA held across all sessions (storage-guard.ts); over it: drained, then 452 4.3.1. */
  budget?: InflightBudget | undefined;
  /** What MAIL FROM held for a declared SIZE: this DATA takes it over. */
  holds?: DeclaredHolds | undefined;
  /** The free-space floor's probe, told what each stored message takes. */
  freeSpace?: FreeSpaceProbe | undefined;
  /** Told every chunk's size, so the socket's spent chunks are collected (garbage-pacer.ts). */
  paceGarbage?: ((bytes: number) => void) | undefined;
}

/**
 * DATA: buffer the message under the size guard (message-buffer.ts), then store it. The 250 is sent
 * only after the batch with the message, its attachments and its outbox rows
 * has committed; any failure on the way is 451 4.3.0 and nothing is half-written.
 * Over the limit, the rest of the stream is drained (the client is still
 * sending) and the reply is 552 5.3.4; the connection stays usable.
 */
export function createDataHook(deps: DataHookDeps) {
  return (
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    reply: (err?: Error | null, message?: string) => void,
  ) => {
    let answered: () => void = () => {};
    deps.track(new Promise<void>((resolve) => (answered = resolve)));
    const started = Date.now();
    // Read now: smtp-server starts a new envelope once the reply is sent, before the log line.
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
    const recipients = session.envelope.rcptTo.length;
    // One log line per message, whatever the outcome.
    const callback = (err?: Error | null, message?: string) => {
      reply(err, message);
      answered();
      deps.logger.info("smtp message", {
        session: session.id,
        queueId: err ? null : (/queued as (\S+)/.exec(message ?? "")?.[1] ?? null),
        remoteIp: session.remoteAddress,
        mailFrom,
        recipients,
        bytes: received,
        reply: err ? ((err as Error & { responseCode?: number }).responseCode ?? 451) : 250,
        durationMs: Date.now() - started,
      });
    };
    // Made at the first byte: a DATA that never sends one reserves nothing.
    let held: MessageBuffer | null = null;
    let received = 0;
    let oversized = false;
    let overBudget = false;
    /** What this message holds of the in-flight budget (from its declared SIZE on); given back once it is answered. */
    let reserved = deps.holds?.take(session.id) ?? 0;
    const releaseBudget = () => {
      deps.budget?.release(reserved);
      reserved = 0;
    };
    const dropHeld = () => {
      held = null; // keep draining, stop holding
      releaseBudget();
    };
    stream.on("data", (chunk: Uint8Array) => {
      received += chunk.byteLength;
      deps.paceGarbage?.(chunk.byteLength);
      if (oversized || overBudget) return;
      if (received > deps.maxMessageBytes) {
        oversized = true;
        return dropHeld();
      }
      // Past what is already held (the declared SIZE), each chunk reserves its own bytes.
      const beyond = received - reserved;
      if (beyond > 0 && deps.budget) {
        if (!deps.budget.reserve(beyond)) {
          overBudget = true;
          return dropHeld();
        }
        reserved += beyond;
      }
      held ??= createMessageBuffer(deps.maxMessageBytes);
      held.append(chunk);
    });
    stream.once("error", (error: unknown) => {
      // The session ended mid-DATA (the client left, or a deadline closed it): nothing is stored and
      // nothing will be answered, so a graceful shutdown must not wait for this message.
      deps.logger.warn("DATA stream error", { session: session.id, error: String(error) });
      dropHeld();
      answered();
    });
    // A refusal at DATA is each accepted recipient's tenant's (the size and storage limits on their mail).
    const refused = (reason: RejectionReason, reply: SmtpReply) => {
      const targets = recipientTargets(session.envelope).map((target) => ({
        rcptTo: target.address,
        tenantId: target.tenantId,
      }));
      deps.countRejection(reason, { stage: "data", session, reply, targets });
      callback(reply);
    };
    stream.once("end", () => {
      if (oversized || stream.sizeExceeded) {
        return refused("too_big", replies.messageTooBig(deps.maxMessageBytes));
      }
      if (overBudget) {
        // Every session's DATA together is over the budget: the sender retries later (Postfix's 452 4.3.1).
        return refused("insufficient_storage", replies.insufficientStorage());
      }
      if (recipientTargets(session.envelope).length === 0) {
        releaseBudget();
        return callback(replies.storageFailed());
      }
      const body: MessageBody = { bytes: held?.bytes() ?? new Uint8Array(0) };
      held = null;
      const ingesting = deps.ingest({ session, body });
      // The bytes stay reserved until the message is answered, parsing and storing included.
      ingesting.then(releaseBudget, releaseBudget);
      ingesting.then(
        (result) => {
          if (result.status === "stored") {
            deps.freeSpace?.spend(received);
            return callback(null, `Ok: queued as ${result.stored[0]?.id ?? "nothing"}`);
          }
          // Not committed, and never will be: the sender's retry stores exactly one copy.
          deps.logger.error("message not stored", {
            session: session.id,
            reason: result.reason,
            error: result.detail,
          });
          refused("storage_failed", replies.storageFailed());
        },
        (error: unknown) => {
          deps.logger.error("message not stored", { session: session.id, error: String(error) });
          refused("storage_failed", replies.storageFailed());
        },
      );
    });
  };
}
