import { and, desc, eq, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { mailboxes, webhookAttempts, webhookDeliveries, webhookEndpoints } from "../../db/schema";
import { toStatement } from "../../db/statements";
import { commit, type Store } from "../../db/store";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import { EVENT_TYPES, endpointDisabledEventInsert, MESSAGE_RECEIVED } from "../events/log";
import { newId } from "../ids";
import { deliveryInsert, parseEventTypes } from "../outbox/enqueue";
import { buildTestEvent } from "../outbox/payload";
import { generateWebhookSecret } from "./sign";
import { checkWebhookUrl, type UrlGuardOptions } from "./url-guard";

/** Tenant-scoped webhook endpoint verbs. Every query filters by tenant; others' ids are "not found". */

export { EVENT_TYPES };

/** How long a rotated-out secret keeps signing by default (Svix keeps it 24 h), and the longest allowed. */
export const ROTATION_GRACE_SECONDS = 24 * 3600;
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;

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
    previousSecret: null,
    previousSecretExpiresAt: null,
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
  const now = changes.updatedAt ?? Date.now();
  const disabling =
    input.enabled === false
      ? [endpointDisabledEventInsert({ tenantId, endpointId: id, reason: "disabled through the API", now })]
      : [];
  await commit(
    store,
    [
      ...disabling,
      toStatement(
        db
          .update(webhookEndpoints)
          .set(changes)
          .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id))),
      ),
    ],
    { announces: disabling.length > 0 },
  );
  return getEndpoint(db, tenantId, id);
}

/**
 * Replaces the signing secret. For `gracePeriodSeconds` (default 24 h) the replaced secret
 * keeps signing beside the new one, so deliveries queued or in flight still verify at a
 * receiver that has not deployed the new secret yet; 0 drops it at once. Rotating again
 * within a grace period keeps only the secret being replaced (the one before it stops).
 */
export async function rotateEndpointSecret(
  store: Store,
  tenantId: string,
  id: string,
  options: { gracePeriodSeconds?: number | undefined } = {},
): Promise<Endpoint> {
  const grace = options.gracePeriodSeconds ?? ROTATION_GRACE_SECONDS;
  if (!Number.isInteger(grace) || grace < 0 || grace > MAX_ROTATION_GRACE_SECONDS) {
    throw new InvalidError(
      "body.grace_period_seconds",
      `grace_period_seconds must be a whole number from 0 to ${MAX_ROTATION_GRACE_SECONDS}`,
    );
  }
  const db = store.db;
  const now = Date.now();
  const scope = and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id));
  // The replaced secret is read by the UPDATE itself (SQLite's SET sees the old row), not by an
  // earlier read: of two rotations at once, the second keeps the secret the first handed out.
  const results = await commit(store, [
    toStatement(
      db
        .update(webhookEndpoints)
        .set({
          previousSecret: grace > 0 ? sql`${webhookEndpoints.secret}` : null,
          previousSecretExpiresAt: grace > 0 ? now + grace * 1000 : null,
          secret: generateWebhookSecret(),
          updatedAt: now,
        })
        .where(scope),
    ),
  ]);
  if ((results[0]?.rowsAffected ?? 0) === 0) throw new NotFoundError(`no webhook ${id}`);
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
