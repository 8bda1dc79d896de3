import type { SMTPServerSession } from "smtp-server";
import { newId } from "../core/ids";
import { parseMessage } from "../core/messages/parse";
import { type CompanionWrites, type StoredMessage, storeInboundMessage } from "../core/messages/store";
import type { Database } from "../db/client";
import type { WriteStatements } from "../db/statements";
import { buildReceivedHeader } from "./received-header";
import type { SenderAuth } from "./sender-auth";
import { recipientTargets } from "./session-state";

/** The DATA bytes as smtp-server delivered them (dot-unstuffed), not yet joined. */
export interface MessageBody {
  chunks: Uint8Array[];
  size: number;
}

export interface IngestDeps {
  database: Database;
  /** Our name in the Received: header and the greeting. */
  serverName: string;
  /** A write that has not committed by then is answered 451 (the sender retries). */
  storageTimeoutMs: number;
  companions?: CompanionWrites[];
  /** Called after the commit (e.g. to nudge the webhook drain). Never delays the 250. */
  onStored?: (stored: StoredMessage[]) => void;
  /** SPF/DKIM/DMARC/ARC checks; omitted: messages are stored without auth results. */
  senderAuth?: SenderAuth | undefined;
  /** Commits a message's statements (the group-committing writer thread); default: inline on `database`. */
  write?: WriteStatements | undefined;
}

/**
 * One accepted DATA: prepend the trace header, parse (never fatal), and store a
 * copy per mailbox in one batch. Resolves only after the commit.
 */
export function createIngest(deps: IngestDeps) {
  return async function ingest(input: {
    session: SMTPServerSession;
    body: MessageBody;
  }): Promise<StoredMessage[]> {
    const { session } = input;
    const targets = recipientTargets(session.envelope);
    const byMailbox = new Map<
      string,
      { messageId: string; tenantId: string; mailboxId: string; rcptTo: string[] }
    >();
    for (const target of targets) {
      const entry = byMailbox.get(target.mailboxId);
      if (entry) entry.rcptTo.push(target.address);
      else {
        byMailbox.set(target.mailboxId, {
          messageId: newId("message"),
          tenantId: target.tenantId,
          mailboxId: target.mailboxId,
          rcptTo: [target.address],
        });
      }
    }
    const deliveries = [...byMailbox.values()];
    const receivedAt = Date.now();
    const header = buildReceivedHeader({
      session,
      serverName: deps.serverName,
      queueId: deliveries[0]?.messageId ?? "none",
      recipients: targets.map((target) => target.address),
      date: new Date(receivedAt),
    });
    // One allocation for what we store: our header, then the bytes as received.
    const headerBytes = new TextEncoder().encode(header);
    const raw = new Uint8Array(headerBytes.byteLength + input.body.size);
    raw.set(headerBytes, 0);
    let offset = headerBytes.byteLength;
    for (const chunk of input.body.chunks) {
      raw.set(chunk, offset);
      offset += chunk.byteLength;
    }
    input.body.chunks.length = 0;
    const asReceived = raw.subarray(headerBytes.byteLength);

    const mailFrom = session.envelope.mailFrom;
    // Authentication runs on the bytes as the client sent them (before our trace header),
    // in parallel with parsing; it cannot fail the delivery (errors become temperror).
    const [parsed, auth] = await Promise.all([
      parseMessage(raw),
      deps.senderAuth?.(asReceived, {
        ip: session.remoteAddress,
        helo: session.hostNameAppearsAs || "",
        sender: mailFrom ? mailFrom.address : "",
      }) ?? null,
    ]);
    const tls = session.tlsOptions
      ? { protocol: session.tlsOptions.version ?? null, cipher: session.tlsOptions.name ?? null }
      : null;
    const store = storeInboundMessage(
      deps.database.db,
      {
        raw,
        envelope: {
          mailFrom: mailFrom ? mailFrom.address : "",
          remoteIp: session.remoteAddress || null,
          helo: session.hostNameAppearsAs || null,
          tls,
        },
        content: parsed.ok ? parsed.content : null,
        parseError: parsed.ok ? null : parsed.error,
        auth: auth ?? null,
        deliveries,
        receivedAt,
      },
      deps.companions,
      deps.write,
    );
    const stored = await withTimeout(store, deps.storageTimeoutMs);
    deps.onStored?.(stored);
    return stored;
  };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`storage did not commit within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
