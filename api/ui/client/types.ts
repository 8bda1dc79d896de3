/**
 * The API's JSON shapes, as the inbox reads them: types only, inferred from the
 * zod schemas the API validates and documents with (responses in core/resources/,
 * request bodies beside their routes). `import type` only: the browser bundle
 * never pulls zod in. MessageFilters is the inbox's own form state, not a wire shape.
 */

import type { UpdateWebhookBody } from "../../routes/webhooks";

export type { Page } from "../../../core/resources/lists";
export type { MailboxJson as Mailbox } from "../../../core/resources/mailboxes";
export type {
  AddressJson as Address,
  AttachmentJson as Attachment,
  AuthResultsJson as AuthResults,
  MessageJson as Message,
  MessageSummaryJson as MessageSummary,
} from "../../../core/resources/messages";
export type {
  AttemptJson as DeliveryAttempt,
  DeliveryJson as Delivery,
  WebhookJson as Webhook,
} from "../../../core/resources/webhooks";
export type { RejectionJson as Rejection } from "../../routes/rejections";
export type {
  CreateRuleBody,
  RuleJson as Rule,
  RuleTestBody,
  RuleTestResultJson as RuleTestResult,
} from "../../routes/rules";

/** `PATCH /v1/webhooks/{id}`: only the fields to change (the inbox never changes `events`). */
export type WebhookChanges = Pick<UpdateWebhookBody, "url" | "mailbox_id" | "enabled">;

/** The list filters the API takes (`GET /v1/mailboxes/{id}/messages`). */
export interface MessageFilters {
  q?: string;
  from?: string;
  to?: string;
  subject?: string;
  since?: string;
  until?: string;
  unread?: boolean;
  /** Only the mail a quarantine rule holds (`?quarantined=true`); otherwise none of it. */
  quarantined?: boolean;
}

/** The ledger's filter (`GET /v1/rejections`). */
export interface RejectionFilters {
  reason?: string;
}
