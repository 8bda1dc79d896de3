import type { MessageAnalysis, MessageKind } from "../messages/analyze";
import type { SenderAuthResults } from "../messages/auth";
import type { ParsedContent } from "../messages/parse";

/** The ways mail reaches OmniMail; every stored message says which (`ingress`). */
export const INGRESSES = ["smtp", "email-worker"] as const;
export type Ingress = (typeof INGRESSES)[number];

export function asIngress(value: string): Ingress {
  return (INGRESSES as readonly string[]).includes(value) ? (value as Ingress) : "smtp";
}

/** One accepted message as it reached us, with where it goes. */
export interface InboundMessage {
  ingress: Ingress;
  /** Idempotency key of a retried delivery (Email Routing), or null. */
  ingressKey: string | null;
  /** The bytes exactly as received (no trace header: each copy has its own, `traceHeader`). */
  raw: Uint8Array;
  /** Key of `raw` in the blobs table (its sha256). */
  rawKey: string;
  envelope: {
    mailFrom: string;
    remoteIp: string | null;
    helo: string | null;
    tls: { protocol: string | null; cipher: string | null } | null;
  };
  content: ParsedContent | null;
  /** What was derived from the body (core/messages/analyze.ts); null when nothing was parsed. */
  analysis: MessageAnalysis | null;
  kind: MessageKind;
  parseError: string | null;
  /** Sender authentication results (SPF, DKIM, DMARC, ARC), JSON-serialisable; null when not checked. */
  auth: SenderAuthResults | null;
  /**
   * One entry per distinct mailbox; `rcptTo` are the envelope recipients that
   * resolved to it. `messageId` is chosen before the write (ids.ts), so it can
   * appear in the trace header and the 250 reply.
   */
  deliveries: Array<{
    messageId: string;
    tenantId: string;
    mailboxId: string;
    rcptTo: string[];
    /**
     * This copy's `Received:` trace header (CRLF-terminated), naming its own id
     * and only its own recipient: a copy never reveals another copy's id or
     * that the message went elsewhere. Stored raw = this header + `raw`.
     */
    traceHeader: string;
    /** The `ref` of the reply address it was sent to (verified at RCPT time), or null. */
    replyRef?: string | null | undefined;
    /** Held by a quarantine rule: stored with `quarantined`, no event or webhook until released. */
    quarantined?: boolean | undefined;
  }>;
  receivedAt: number;
}

export interface StoredMessage {
  id: string;
  tenantId: string;
  mailboxId: string;
  /** Attachment ids in document order. */
  attachmentIds: string[];
}

/** Bytes of a copy as the raw endpoint serves it: its trace header, then the message. */
export function copySize(traceHeader: string, raw: Uint8Array): number {
  return new TextEncoder().encode(traceHeader).byteLength + raw.byteLength;
}
