import type { Store, StoreFailureKind } from "../../db/store";
import { sha256Hex } from "../crypto";
import { analyzeBody, classifyKind } from "../messages/analyze";
import type { SenderAuthResults } from "../messages/auth";
import { type ParseResult, parseMessage } from "../messages/parse";
import type { Links } from "../messages/serialize";
import type { Ingress } from "./inbound-message";
import { buildMessageBatch, type InboundMessage, type StoredMessage } from "./message-batch";

/**
 * The whole ingest path, from "raw bytes + envelope + resolved recipients" to
 * "committed and announced", in Web APIs only. Every ingress (the SMTP edge,
 * the Cloudflare Email Worker) is an adapter that gathers the bytes, resolves
 * the recipients and calls this; so every ingress shares every rule: one copy
 * per mailbox, bytes stored once, search rows, outbox rows in the same batch,
 * announced after the commit.
 */
export interface IngestDeps {
  store: Pick<Store, "db" | "write">;
  links: Links;
  now?: () => number;
}

export interface IngestInput {
  ingress: Ingress;
  /**
   * For an ingress that may deliver the same message twice (a retry after a lost
   * answer): a key over envelope and bytes. A copy already stored under it
   * answers `stored` (with `duplicate`) and nothing is written again.
   */
  ingressKey?: string | undefined;
  /** The bytes exactly as received. */
  raw: Uint8Array;
  /** Their SHA-256 (hex), when the caller has it: hashed here otherwise. */
  rawKey?: string | undefined;
  /** Each copy's `Received:` trace header, written by the ingress (it knows the hop). */
  traceHeader: (copy: { messageId: string; rcptTo: string[] }) => string;
  envelope: InboundMessage["envelope"];
  /** One entry per distinct mailbox (ids chosen by the caller, time-ordered). */
  deliveries: Array<Omit<InboundMessage["deliveries"][number], "traceHeader">>;
  /** Sender authentication, when the ingress checked it. */
  auth?: SenderAuthResults | null | undefined;
  /** A parse the caller already ran (in parallel with its own checks); parsed here otherwise. */
  parsed?: ParseResult | undefined;
  /** Epoch ms: not started by then means never stored (the caller answers 4xx). */
  deadline?: number | undefined;
}

export type IngestResult =
  | {
      status: "stored";
      stored: StoredMessage[];
      /** Webhook deliveries queued by this commit (0: no endpoint wanted it). */
      announced: number;
      parseError: string | null;
      /** The delivery had been stored before (same ingress key); nothing was written now. */
      duplicate?: boolean;
    }
  | { status: "not-stored"; reason: "expired" | StoreFailureKind; detail: string };

export async function ingestMessage(deps: IngestDeps, input: IngestInput): Promise<IngestResult> {
  const parsed = input.parsed ?? (await parseMessage(input.raw));
  // A message that does not parse keeps what its header section says, beside the error.
  const content = parsed.ok ? parsed.content : parsed.headersOnly;
  const message: InboundMessage = {
    ingress: input.ingress,
    ingressKey: input.ingressKey ?? null,
    raw: input.raw,
    rawKey: input.rawKey ?? (await sha256Hex(input.raw)),
    envelope: input.envelope,
    content,
    // The analysis only of a body that parsed; a message that did not keeps its header fields (`content`).
    analysis: parsed.ok ? (parsed.analysis ?? analyzeBody(parsed.content)) : null,
    kind: (parsed.ok ? parsed.kind : undefined) ?? classifyKind(content, input.envelope.mailFrom),
    parseError: parsed.ok ? null : parsed.error,
    auth: input.auth ?? null,
    deliveries: input.deliveries.map((delivery) => ({
      ...delivery,
      traceHeader: input.traceHeader(delivery),
    })),
    receivedAt: (deps.now ?? Date.now)(),
  };
  const batch = buildMessageBatch(deps.store.db, message, deps.links);
  const first = batch.stored[0];
  if (!first) return { status: "stored", stored: [], announced: 0, parseError: message.parseError };
  const outcome = await deps.store.write({
    statements: batch.statements,
    announces: { rowsAt: batch.outboxAt },
    deadline: input.deadline,
    // If the writer dies holding this batch, the first copy's row says whether it committed.
    verify: { sql: "SELECT 1 FROM messages WHERE id = ?", args: [first.id] },
  });
  if (outcome.status === "expired") {
    return { status: "not-stored", reason: "expired", detail: "storage did not start the write in time" };
  }
  if (outcome.status === "failed") {
    // The same delivery again (its first answer was lost): what is stored stands, nothing new is written.
    if (outcome.kind === "constraint" && message.ingressKey && outcome.message.includes("ingress_key")) {
      const existing = await findByIngressKey(deps, message);
      if (existing.length > 0) {
        return {
          status: "stored",
          stored: existing,
          announced: 0,
          parseError: message.parseError,
          duplicate: true,
        };
      }
    }
    return { status: "not-stored", reason: outcome.kind, detail: outcome.message };
  }
  const announced = batch.outboxAt.reduce((sum, at) => sum + (outcome.results[at]?.rows.length ?? 0), 0);
  return { status: "stored", stored: batch.stored, announced, parseError: message.parseError };
}

/** The copies an earlier delivery with the same ingress key stored, one per mailbox of this one. */
async function findByIngressKey(deps: IngestDeps, message: InboundMessage): Promise<StoredMessage[]> {
  const stored: StoredMessage[] = [];
  for (const delivery of message.deliveries) {
    const found = await deps.store.db.$client.execute({
      sql: "SELECT id FROM messages WHERE tenant_id = ? AND mailbox_id = ? AND ingress_key = ? LIMIT 1",
      args: [delivery.tenantId, delivery.mailboxId, message.ingressKey],
    });
    const id = found.rows[0]?.id;
    if (typeof id === "string") {
      stored.push({ id, tenantId: delivery.tenantId, mailboxId: delivery.mailboxId, attachmentIds: [] });
    }
  }
  return stored;
}
