import { commit, type Store } from "../../db/store";
import { InvalidError } from "../errors";
import { BODY_OF_EVENT } from "../events/log";
import { getEndpoint } from "./endpoints";

/**
 * POST /v1/webhooks/{id}/recover (Svix's name): queues for one endpoint every
 * event since `since` that it did not receive — events committed while it was
 * disabled (so never queued for it), and deliveries that ran out of retries
 * (`dead`) — once each. A queued delivery has the id the event would have had
 * for this endpoint (`dlv_<event ref>_<endpoint>`), so recovering twice, or an
 * event that was queued after all, inserts nothing new; a receiver that
 * already has one sees the same webhook-id. Sent when the endpoint is enabled.
 */
export async function recoverEndpoint(
  store: Store,
  tenantId: string,
  endpointId: string,
  input: { since: string; retentionDays: number; now?: number },
): Promise<{ since: number; queued: number }> {
  const now = input.now ?? Date.now();
  // Another tenant's endpoint is not found, whatever the body says.
  await getEndpoint(store.db, tenantId, endpointId);
  const since = Date.parse(input.since);
  if (!Number.isFinite(since)) {
    throw new InvalidError("body.since", "since must be an ISO 8601 time such as 2026-03-02T08:00:00Z");
  }
  if (since < now - input.retentionDays * 86_400_000) {
    throw new InvalidError(
      "body.since",
      `since is older than the event log keeps events (OMNIMAIL_EVENT_RETENTION_DAYS=${input.retentionDays}); events before ${new Date(now - input.retentionDays * 86_400_000).toISOString()} cannot be recovered`,
    );
  }
  if (since > now) throw new InvalidError("body.since", "since is in the future");
  // The events this endpoint subscribes to, as the events_fan_out trigger (migration 0012) chooses them.
  const matching = `FROM events ev JOIN webhook_endpoints e ON e.id = ? AND e.tenant_id = ev.tenant_id
    WHERE ev.tenant_id = ? AND ev.created_at >= ?
      AND (e.mailbox_id IS NULL OR ev.mailbox_id IS NULL OR e.mailbox_id = ev.mailbox_id)
      AND EXISTS (SELECT 1 FROM json_each(e.event_types) WHERE json_each.value = ev.type)
      AND NOT (ev.type = 'webhook.endpoint.disabled' AND json_extract(ev.data, '$.endpoint_id') = e.id)`;
  const scope = [endpointId, tenantId, since];
  const results = await commit(
    store,
    [
      {
        sql: `INSERT OR IGNORE INTO webhook_deliveries
            (id, endpoint_id, tenant_id, message_id, event_type, event_seq, payload, status, attempts,
              next_attempt_at, created_at)
          SELECT 'dlv_' || ev.ref || '_' || substr(e.id, instr(e.id, '_') + 1), e.id, e.tenant_id, ev.message_id,
            ev.type, ev.seq, ?, 'pending', 0, ?, ?
          ${matching}
          RETURNING id`,
        // The body is the event's, made when the drain claims it (core/events/log.ts, eventBodySql).
        args: [BODY_OF_EVENT, now, now, ...scope],
      },
      {
        sql: `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, lease_owner = NULL,
            lease_until = NULL
          WHERE tenant_id = ? AND endpoint_id = ? AND status = 'dead'
            AND event_seq IN (SELECT ev.seq ${matching})
          RETURNING id`,
        args: [now, tenantId, endpointId, ...scope],
      },
    ],
    { announces: true },
  );
  return { since, queued: (results[0]?.rows.length ?? 0) + (results[1]?.rows.length ?? 0) };
}
