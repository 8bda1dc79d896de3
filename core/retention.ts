import type { Store } from "../db/store";
import { purgeExpiredEvents } from "./events/retention";
import { purgeExpiredRejections } from "./policy/ledger";
import { deleteExpiredMail } from "./policy/mail-retention";

/**
 * Everything that is kept for a while, trimmed in one pass: mailboxes' mail
 * past their `retention_days`, the event log past OMNIMAIL_EVENT_RETENTION_DAYS
 * and the rejection ledger past OMNIMAIL_REJECTION_RETENTION_DAYS. Each part
 * deletes in short batches of its own; `maxBatches` bounds a pass (a Worker's
 * cron invocation has a budget; what is left goes at the next pass).
 */
export interface RetentionSettings {
  eventRetentionDays: number;
  rejectionRetentionDays: number;
  now?: number | undefined;
  maxBatches?: number | undefined;
}

export async function applyRetention(store: Store, settings: RetentionSettings) {
  const { now, maxBatches } = settings;
  const messages = await deleteExpiredMail(store, { now, maxBatches });
  const events = await purgeExpiredEvents(store, {
    retentionDays: settings.eventRetentionDays,
    now,
    maxBatches,
  });
  const rejections = await purgeExpiredRejections(store, {
    retentionDays: settings.rejectionRetentionDays,
    now,
    maxBatches,
  });
  return { messages, events, rejections };
}
