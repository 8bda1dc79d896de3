import type { SMTPServerSession } from "smtp-server";
import { newId } from "../core/ids";
import { type IngestDeps, type IngestResult, ingestMessage } from "../core/ingest/ingest-message";
import type { StoredMessage } from "../core/ingest/message-batch";
import { parseInThread, warmUpParseThreads } from "./checks/message-checks";
import { buildReceivedHeader } from "./received-header";
import type { SenderAuth } from "./sender-auth";
import { recipientTargets } from "./session-state";

/** The DATA bytes as smtp-server delivered them (dot-unstuffed), over a shared buffer (message-buffer.ts). */
export interface MessageBody {
  bytes: Uint8Array;
}

export interface SmtpIngestDeps extends IngestDeps {
  /** Our name in the Received: header and the greeting. */
  serverName: string;
  /**
   * How long a message may wait for storage to start its write. Past it the
   * write is dropped unstarted and the sender is told 451: not stored, so its
   * retry stores exactly one copy. A write that has started is waited for.
   */
  storageDeadlineMs: number;
  /** Called after the commit (e.g. to wake long polls, count). Never delays the 250. */
  onStored?: ((stored: StoredMessage[]) => void) | undefined;
  /** SPF/DKIM/DMARC/ARC checks; omitted: messages are stored without auth results. */
  senderAuth?: SenderAuth | undefined;
}

/**
 * The SMTP adapter over core/ingest: check the sender and parse in parallel,
 * each in a thread with a time bound (checks/) that shares the DATA bytes
 * rather than copying them, then hand it all to `ingestMessage` with a trace
 * header per copy and the key of the bytes (hashed in the parse thread).
 * Resolves only after the commit, or with the reason nothing was stored.
 */
export function createSmtpIngest(deps: SmtpIngestDeps) {
  warmUpParseThreads();
  return async function ingest(input: {
    session: SMTPServerSession;
    body: MessageBody;
  }): Promise<IngestResult> {
    const { session } = input;
    const deadline = Date.now() + deps.storageDeadlineMs;
    const targets = recipientTargets(session.envelope);
    const byMailbox = new Map<
      string,
      {
        messageId: string;
        tenantId: string;
        mailboxId: string;
        rcptTo: string[];
        replyRef: string | null;
        quarantined: boolean;
      }
    >();
    for (const target of targets) {
      const entry = byMailbox.get(target.mailboxId);
      if (entry) {
        entry.rcptTo.push(target.address);
        // Two reply addresses of one mailbox on one message: the first names the conversation.
        entry.replyRef ??= target.replyRef;
        // One recipient held by a quarantine rule holds that mailbox's copy.
        entry.quarantined ||= target.quarantined;
      } else {
        byMailbox.set(target.mailboxId, {
          messageId: newId("message"),
          tenantId: target.tenantId,
          mailboxId: target.mailboxId,
          rcptTo: [target.address],
          replyRef: target.replyRef,
          quarantined: target.quarantined,
        });
      }
    }
    const deliveries = [...byMailbox.values()];
    const date = new Date();
    // Each copy gets its own trace header: its own queue id, and `for <rcpt>` only for its own recipient.
    const traceHeader = (copy: { messageId: string; rcptTo: string[] }) =>
      buildReceivedHeader({
        session,
        serverName: deps.serverName,
        queueId: copy.messageId,
        recipients: copy.rcptTo,
        date,
      });
    const asReceived = input.body.bytes;

    const mailFrom = session.envelope.mailFrom;
    // Authentication runs on the bytes as the client sent them (before our trace header),
    // in parallel with parsing; it cannot fail the delivery (errors become temperror).
    // Both run off this event loop, which serves every session: one message cannot hold it.
    const [{ parsed, rawKey }, auth] = await Promise.all([
      parseInThread(asReceived, mailFrom ? mailFrom.address : ""),
      deps.senderAuth?.(asReceived, {
        ip: session.remoteAddress,
        helo: session.hostNameAppearsAs || "",
        sender: mailFrom ? mailFrom.address : "",
      }) ?? null,
    ]);
    const result = await ingestMessage(deps, {
      ingress: "smtp",
      raw: asReceived,
      // The parse thread hashed the bytes; if it did not answer, ingestMessage hashes them.
      rawKey: rawKey ?? undefined,
      traceHeader,
      parsed,
      auth,
      deliveries,
      deadline,
      envelope: {
        mailFrom: mailFrom ? mailFrom.address : "",
        remoteIp: session.remoteAddress || null,
        helo: session.hostNameAppearsAs || null,
        tls: session.tlsOptions
          ? { protocol: session.tlsOptions.version ?? null, cipher: session.tlsOptions.name ?? null }
          : null,
      },
    });
    if (result.status === "stored") deps.onStored?.(result.stored);
    return result;
  };
}
