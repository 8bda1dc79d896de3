import type { SMTPServerSession } from "smtp-server";
import type { RejectionStage } from "../core/policy/ledger";
import type { SmtpReply } from "./replies";

/**
 * What the ledger (core/policy/ledger.ts) records of a refusal beside its
 * metric: when, to whom, and for which tenants. `targets` without a tenant, or
 * none at all, are the operator's.
 */
export interface RefusalContext {
  stage: RejectionStage;
  session: SMTPServerSession;
  reply: SmtpReply;
  targets?: Array<{ rcptTo: string | null; tenantId: string | null }>;
}

export type CountRejection = (
  reason: import("../core/metrics").RejectionReason,
  context?: RefusalContext,
) => void;
