import type { InValue } from "@libsql/client";
import type { SqlStatement } from "../../db/statements";
import { newId } from "../ids";

/**
 * The event log's writes (db/schema/events.ts). Every change a webhook can
 * announce adds its event rows to the batch that makes the change, so the log,
 * the change and the webhook deliveries (queued by the `events_fan_out`
 * trigger) commit together or not at all.
 */

export const MESSAGE_RECEIVED = "message.received";
export const MESSAGE_DELETED = "message.deleted";
export const MESSAGE_UPDATED = "message.updated";
export const ENDPOINT_DISABLED = "webhook.endpoint.disabled";

/** Every type the log holds and endpoints can subscribe to. */
export const EVENT_TYPES = [MESSAGE_RECEIVED, MESSAGE_DELETED, MESSAGE_UPDATED, ENDPOINT_DISABLED] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const EVENT_ID = /^evt_(\d{1,15})$/;

/** `evt_<seq>`, zero-padded so that ids sort as text in the same order as by number. */
export function formatEventId(seq: number): string {
  return `evt_${String(seq).padStart(12, "0")}`;
}

/** The sequence number of an event id, or null when `id` is not one. */
export function parseEventId(id: string): number | null {
  const match = EVENT_ID.exec(id);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** A delivery-id base for one event: time-ordered like every id (core/ids.ts). */
function eventRef(): string {
  return newId("delivery").slice("dlv_".length);
}

/** Where a message's event names its thread: its data is serialized with this, then the commit fills it in. */
const THREAD_PLACEHOLDER = '"thread_id":null';

/**
 * One event row; with `onlyIf` (an SQL condition), only when that holds inside
 * the commit. `dataJson`: the data already serialized (the webhook payload is
 * measured as JSON while it is built), else `data` is.
 */
export function eventInsert(
  event: {
    tenantId: string;
    type: EventType;
    mailboxId: string | null;
    messageId: string | null;
    data?: unknown;
    dataJson?: string;
    now: number;
  },
  onlyIf?: { sql: string; args: InValue[] },
): SqlStatement {
  const values = [event.tenantId, event.type, event.mailboxId, event.messageId, eventRef()];
  const json = event.dataJson ?? JSON.stringify(event.data);
  // A message's event names its thread, which its own row was given a statement before, in the same commit:
  // spliced into the JSON text at its placeholder (the data is not parsed again), or set where it has none.
  const threadAt = event.messageId ? json.indexOf(THREAD_PLACEHOLDER) : -1;
  const thread = "(SELECT thread_id FROM messages WHERE id = ?)";
  const [data, dataArgs] =
    event.messageId === null
      ? ["?", [json]]
      : threadAt >= 0
        ? [
            `? || json_quote(${thread}) || ?`,
            [
              json.slice(0, threadAt + THREAD_PLACEHOLDER.length - "null".length),
              event.messageId,
              json.slice(threadAt + THREAD_PLACEHOLDER.length),
            ],
          ]
        : [`json_set(?, '$.thread_id', ${thread})`, [json, event.messageId]];
  return {
    sql: `INSERT INTO events (tenant_id, type, mailbox_id, message_id, ref, data, created_at)
      SELECT ?, ?, ?, ?, ?, ${data}, ? ${onlyIf ? `WHERE ${onlyIf.sql}` : ""}`,
    args: [...values, ...dataArgs, event.now, ...(onlyIf?.args ?? [])],
  };
}

/**
 * The webhook body of the event row `ev` (an SQL alias): the Standard Webhooks
 * payload {type, timestamp, data}. A delivery whose `payload` is empty carries
 * this body of its event (migration 0019): made by the drain's claim, and
 * written into the delivery by retention before the event is deleted.
 */
export function eventBodySql(ev: string): string {
  return `'{"type":' || json_quote(${ev}.type) || ',"timestamp":"'
    || strftime('%Y-%m-%dT%H:%M:%fZ', ${ev}.created_at / 1000.0, 'unixepoch') || '","data":' || ${ev}.data || '}'`;
}

/** A delivery's `payload` meaning "the body of its event" (eventBodySql). */
export const BODY_OF_EVENT = "";

/**
 * Right after `eventInsert` in the same batch: one row per delivery that the
 * event queued (`last_insert_rowid()` is the event's seq once its trigger has
 * run), so the writer knows whether to wake the drain.
 */
export const QUEUED_FOR_LAST_EVENT: SqlStatement = {
  sql: "SELECT endpoint_id FROM webhook_deliveries WHERE event_seq = last_insert_rowid()",
  args: [],
};

/**
 * One event per message that `where` selects (over `messages`), before the
 * change that the event describes; `dataSql` builds each event's data from the
 * row with SQLite's JSON functions. Refs are the first 20 characters of one
 * base and the row's rank in 6 digits: 26 characters like every id body,
 * unique and in order within the statement.
 */
export function messageEventsInsert(input: {
  type: EventType;
  where: string;
  args: InValue[];
  /** A `json_object(…)` over the columns of `messages`; its own arguments come first. */
  dataSql: string;
  dataArgs: InValue[];
  now: number;
}): SqlStatement {
  return {
    sql: `INSERT INTO events (tenant_id, type, mailbox_id, message_id, ref, data, created_at)
      SELECT tenant_id, ?, mailbox_id, id, ? || printf('%06d', row_number() OVER (ORDER BY id)), ${input.dataSql}, ?
      FROM messages WHERE ${input.where}`,
    args: [input.type, eventRef().slice(0, 20), ...input.dataArgs, input.now, ...input.args],
  };
}

/**
 * `webhook.endpoint.disabled`, before the statement that disables the endpoint
 * and only while it is still enabled, so that of two 410s at once only the
 * first announces it. The trigger does not send it to the endpoint itself.
 */
export function endpointDisabledEventInsert(input: {
  tenantId: string;
  endpointId: string;
  reason: string;
  now: number;
}): SqlStatement {
  return {
    sql: `INSERT INTO events (tenant_id, type, mailbox_id, message_id, ref, data, created_at)
      SELECT tenant_id, ?, NULL, NULL, ?, json_object('endpoint_id', id, 'url', url, 'reason', ?, 'disabled_at', ?), ?
      FROM webhook_endpoints WHERE tenant_id = ? AND id = ? AND enabled = 1`,
    args: [
      ENDPOINT_DISABLED,
      eventRef(),
      input.reason,
      new Date(input.now).toISOString(),
      input.now,
      input.tenantId,
      input.endpointId,
    ],
  };
}
