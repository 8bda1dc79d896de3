import { and, desc, eq, inArray, lt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { mailboxes, webhookAttempts, webhookDeliveries, webhookEndpoints } from "../../db/schema";
import { toStatement } from "../../db/statements";
import { commit, type Store } from "../../db/store";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import { newId } from "../ids";
import { deliveryInsert, MESSAGE_RECEIVED, parseEventTypes } from "../outbox/enqueue";
import { buildTestEvent } from "../outbox/payload";
import { generateWebhookSecret } from "./sign";
import { checkWebhookUrl, type UrlGuardOptions } from "./url-guard";

/** Tenant-scoped webhook endpoint verbs. Every query filters by tenant; others' ids are "not found". */

export const EVENT_TYPES = [MESSAGE_RECEIVED] as const;

export type Endpoint = typeof webhookEndpoints.$inferSelect;

async function assertMailbox(db: Db, tenantId: string, mailboxId: string | null | undefined): Promise<void> {
  if (!mailboxId) return;
  const [row] = await db
    .select({ id: mailboxes.id })
    .from(mailboxes)
    .where(and(eq(mailboxes.tenantId, tenantId), eq(mailboxes.id, mailboxId)))
    .limit(1);
  if (!row) throw new InvalidError("body.mailbox_id", `no mailbox ${mailboxId}`);
}

export async function createEndpoint(
  store: Store,
  tenantId: string,
  input: { url: string; events?: string[] | undefined; mailboxId?: string | null | undefined },
  guard: UrlGuardOptions,
): Promise<Endpoint> {
  await checkWebhookUrl(input.url, guard);
  await assertMailbox(store.db, tenantId, input.mailboxId);
  const now = Date.now();
  const row: Endpoint = {
    id: newId("webhook"),
    tenantId,
    url: input.url,
    secret: generateWebhookSecret(),
    eventTypes: JSON.stringify(input.events ?? [MESSAGE_RECEIVED]),
    mailboxId: input.mailboxId ?? null,
    enabled: true,
    disabledReason: null,
    createdAt: now,
    updatedAt: now,
  };
  await commit(store, [toStatement(store.db.insert(webhookEndpoints).values(row))]);
  return row;
}

export async function getEndpoint(db: Db, tenantId: string, id: string): Promise<Endpoint> {
  const [row] = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id)))
    .limit(1);
  if (!row) throw new NotFoundError(`no webhook ${id}`);
  return row;
}

export async function listEndpoints(
  db: Db,
  tenantId: string,
  page: { limit: number; before?: string | undefined },
): Promise<Endpoint[]> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.tenantId, tenantId),
        page.before ? lt(webhookEndpoints.id, page.before) : undefined,
      ),
    )
    .orderBy(desc(webhookEndpoints.id))
    .limit(page.limit);
}

export async function updateEndpoint(
  store: Store,
  tenantId: string,
  id: string,
  input: {
    url?: string | undefined;
    events?: string[] | undefined;
    mailboxId?: string | null | undefined;
    enabled?: boolean | undefined;
  },
  guard: UrlGuardOptions,
): Promise<Endpoint> {
  const db = store.db;
  await getEndpoint(db, tenantId, id);
  if (input.url !== undefined) await checkWebhookUrl(input.url, guard);
  await assertMailbox(db, tenantId, input.mailboxId);
  const changes: Partial<Endpoint> = { updatedAt: Date.now() };
  if (input.url !== undefined) changes.url = input.url;
  if (input.events !== undefined) changes.eventTypes = JSON.stringify(input.events);
  if (input.mailboxId !== undefined) changes.mailboxId = input.mailboxId;
  if (input.enabled !== undefined) {
    changes.enabled = input.enabled;
    changes.disabledReason = input.enabled ? null : "disabled through the API";
  }
  await commit(store, [
    toStatement(
      db
        .update(webhookEndpoints)
        .set(changes)
        .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id))),
    ),
  ]);
  return getEndpoint(db, tenantId, id);
}

export async function rotateEndpointSecret(store: Store, tenantId: string, id: string): Promise<Endpoint> {
  const db = store.db;
  await getEndpoint(db, tenantId, id);
  await commit(store, [
    toStatement(
      db
        .update(webhookEndpoints)
        .set({ secret: generateWebhookSecret(), updatedAt: Date.now() })
        .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id))),
    ),
  ]);
  return getEndpoint(db, tenantId, id);
}

/** Deletes the endpoint with its outbox rows and attempt log, in one batch. */
export async function deleteEndpoint(store: Store, tenantId: string, id: string): Promise<void> {
  const db = store.db;
  await getEndpoint(db, tenantId, id);
  const deliveryIds = db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.endpointId, id)));
  await commit(
    store,
    [
      db
        .delete(webhookAttempts)
        .where(and(eq(webhookAttempts.tenantId, tenantId), inArray(webhookAttempts.deliveryId, deliveryIds))),
      db
        .delete(webhookDeliveries)
        .where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.endpointId, id))),
      db
        .delete(webhookEndpoints)
        .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id))),
    ].map(toStatement),
  );
}

export type Delivery = typeof webhookDeliveries.$inferSelect;
export type Attempt = typeof webhookAttempts.$inferSelect;

export async function listDeliveries(
  db: Db,
  tenantId: string,
  endpointId: string,
  page: { limit: number; before?: string | undefined },
): Promise<Array<Delivery & { attemptLog: Attempt[] }>> {
  await getEndpoint(db, tenantId, endpointId);
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.tenantId, tenantId),
        eq(webhookDeliveries.endpointId, endpointId),
        page.before ? lt(webhookDeliveries.id, page.before) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(page.limit);
  if (rows.length === 0) return [];
  const attempts = await db
    .select()
    .from(webhookAttempts)
    .where(
      and(
        eq(webhookAttempts.tenantId, tenantId),
        inArray(
          webhookAttempts.deliveryId,
          rows.map((row) => row.id),
        ),
      ),
    )
    .orderBy(webhookAttempts.id);
  return rows.map((row) => ({
    ...row,
    attemptLog: attempts.filter((attempt) => attempt.deliveryId === row.id),
  }));
}

/** Replays a delivery now (any state but in flight). One more attempt; the schedule is not restarted. */
export async function retryDelivery(
  store: Store,
  tenantId: string,
  endpointId: string,
  deliveryId: string,
): Promise<void> {
  const db = store.db;
  await getEndpoint(db, tenantId, endpointId);
  const [row] = await db
    .select({ status: webhookDeliveries.status, leaseUntil: webhookDeliveries.leaseUntil })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.tenantId, tenantId),
        eq(webhookDeliveries.endpointId, endpointId),
        eq(webhookDeliveries.id, deliveryId),
      ),
    )
    .limit(1);
  if (!row) throw new NotFoundError(`no delivery ${deliveryId}`);
  if (row.status === "delivering" && (row.leaseUntil ?? 0) > Date.now()) {
    throw new ConflictError("the delivery is being sent right now");
  }
  await commit(
    store,
    [
      toStatement(
        db
          .update(webhookDeliveries)
          .set({ status: "pending", nextAttemptAt: Date.now(), leaseOwner: null, leaseUntil: null })
          .where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.id, deliveryId))),
      ),
    ],
    { announces: true },
  );
}

/** Queues a `webhook.test` event for one endpoint; returns its delivery id. */
export async function queueTestEvent(store: Store, tenantId: string, endpointId: string): Promise<string> {
  const db = store.db;
  await getEndpoint(db, tenantId, endpointId);
  const now = Date.now();
  const { id, statement } = deliveryInsert(db, {
    endpointId,
    tenantId,
    messageId: null,
    event: buildTestEvent(endpointId, now),
    now,
  });
  await commit(store, [statement], { announces: true });
  return id;
}

export { parseEventTypes };
