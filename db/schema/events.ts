import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenants } from "./tenancy";

/**
 * The event log: every event a webhook can carry, one row per tenant and
 * event, written in the same commit as the change it describes. `seq` is
 * assigned by SQLite inside that commit; writers are serialised, so `seq`
 * order is commit order and a reader never sees a smaller `seq` appear after
 * a larger one (AUTOINCREMENT: never reused, even once retention has deleted
 * every row). The public id is `evt_<seq>` (core/events/log.ts).
 *
 * A trigger (migration 0012, `events_fan_out`) queues one delivery per
 * matching endpoint for each row, so no writer can store an event and forget
 * its webhooks. Deliveries are `dlv_<ref>_<endpoint id body>`: `ref` is a
 * time-ordered id body chosen by the writer, which makes a delivery's id (the
 * receiver's idempotency key) the same however often it is queued.
 */
export const events = sqliteTable(
  "events",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    type: text("type").notNull(),
    /** The mailbox the event is about, for `mailbox_id` filters; null for endpoint events. */
    mailboxId: text("mailbox_id"),
    messageId: text("message_id"),
    ref: text("ref").notNull(),
    /** The webhook body's `data`, as JSON. */
    data: text("data").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [
    index("events_tenant_idx").on(table.tenantId, table.seq),
    index("events_created_idx").on(table.createdAt),
  ],
);

/**
 * Per tenant, the largest `seq` that retention has deleted: a cursor below it
 * may have missed events, and is answered 410 instead of silently skipping them.
 */
export const eventPurges = sqliteTable("event_purges", {
  tenantId: text("tenant_id").primaryKey(),
  purgedThrough: integer("purged_through").notNull(),
});
