import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { EVENT_TYPES, formatEventId, parseEventId } from "../../core/events/log";
import {
  EventCursorExpiredError,
  type EventFilter,
  type EventPage,
  latestEventSeq,
  listEvents,
  waitForEvents,
} from "../../core/events/read";
import type { WaitSlots } from "../../core/messages/wait";
import { EventPageSchema, toLoggedEventJson } from "../../core/resources/events";
import type { AppDeps, AppEnv } from "../context";
import { tooManyLongPolls } from "../long-polls";
import { ApiError, problems } from "../problem";
import { looksLike, PaginationQuery, problemResponses, queryInteger, queryText } from "../schemas";
import { MAX_WAIT_SECONDS } from "./messages/schema";

/**
 * The tenant's event log over HTTP: pages with a cursor and a long poll
 * (GET /v1/events), and a Server-Sent Events stream (GET /v1/events/stream)
 * that resumes from Last-Event-ID. Both read the same rows in commit order,
 * so a consumer that switches between them misses and repeats nothing.
 */

/** A comment line this often keeps proxies and clients from closing an idle stream. */
export const HEARTBEAT_MS = 15_000;
/** A stream ends after this long; EventSource and `omnimail listen` reconnect with Last-Event-ID. */
export const STREAM_MAX_MS = 15 * 60_000;

const AFTER_EXAMPLE = "evt_000000001234";

const FilterQuery = z.object({
  types: queryText(300)
    .optional()
    .openapi({
      param: { name: "types", in: "query" },
      description: `Comma-separated event types (${EVENT_TYPES.join(", ")}); default all`,
      example: "message.received,message.deleted",
    }),
  mailbox_id: queryText(64)
    .optional()
    .openapi({
      param: { name: "mailbox_id", in: "query" },
      description: "Only events about this mailbox (endpoint events have none)",
    }),
  after: queryText(64)
    .optional()
    .openapi({
      param: { name: "after", in: "query" },
      description: "An event id: the events committed after it. Without it, from the oldest event kept.",
      example: AFTER_EXAMPLE,
    }),
});

const ListQuery = FilterQuery.extend({
  limit: PaginationQuery.shape.limit,
  wait: queryInteger(0, MAX_WAIT_SECONDS, 0).openapi({
    param: { name: "wait", in: "query" },
    description: `Seconds to hold the request while there is nothing after the cursor (0-${MAX_WAIT_SECONDS}); it answers as soon as an event is committed`,
    type: "integer",
    minimum: 0,
    maximum: MAX_WAIT_SECONDS,
    default: 0,
  }),
});

const expiredResponse = {
  410: {
    description: "The cursor is older than the log's retention (OMNIMAIL_EVENT_RETENTION_DAYS)",
    content: { "application/problem+json": { schema: z.object({}).passthrough() } },
  },
} as const;

const listRoute = createRoute({
  method: "get",
  path: "/v1/events",
  tags: ["Events"],
  summary: "The event log: events after a cursor, oldest first",
  description: [
    "Every event a webhook can carry is also kept here, in commit order, for OMNIMAIL_EVENT_RETENTION_DAYS (7) days:",
    "a consumer that was offline, behind a firewall or without a public URL reads what it missed and resumes from",
    "`next_cursor`. With `wait`, an empty page is held until an event is committed. `data` is exactly the webhook body's.",
  ].join(" "),
  request: { query: ListQuery },
  responses: {
    200: { description: "A page of events", content: { "application/json": { schema: EventPageSchema } } },
    ...problemResponses,
    ...expiredResponse,
  },
});

const streamRoute = createRoute({
  method: "get",
  path: "/v1/events/stream",
  tags: ["Events"],
  summary: "The event log as a live Server-Sent Events stream",
  description: [
    "`id:` is the event id, `event:` its type and `data:` the event as GET /v1/events lists it. Resume with the",
    "Last-Event-ID header (EventSource sends it on reconnect) or `after`; without either the stream starts with the",
    "next event committed, and its first block is an `id:` line naming where that is.",
    `A comment line comes every ${HEARTBEAT_MS / 1000} s; the stream ends after`,
    `${STREAM_MAX_MS / 60_000} min (reconnect with Last-Event-ID). On Bun a commit in the same process wakes it at once;`,
    "on Workers, and for mail stored by another process, it re-reads every few seconds.",
    "Open streams count against the long-poll limits (OMNIMAIL_LONG_POLLS_PER_KEY, OMNIMAIL_LONG_POLLS_PER_TENANT).",
  ].join(" "),
  request: {
    query: FilterQuery,
    headers: z.object({
      "last-event-id": queryText(64)
        .optional()
        .openapi({ description: "The last event id the client received" }),
    }),
  },
  responses: {
    200: { description: "The event stream", content: { "text/event-stream": { schema: z.string() } } },
    ...problemResponses,
    ...expiredResponse,
  },
});

export function registerEventRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps, slots: WaitSlots): void {
  app.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const filter = filterOf(c.get("tenantId"), query, query.after, "query.after", query.limit);
    const page =
      query.wait > 0
        ? await withSlot(slots, c, query.wait * 1000, (signal) =>
            waitForEvents(deps.store.db, {
              ...filter,
              timeoutMs: query.wait * 1000,
              signal,
              notifier: deps.messageEvents,
            }),
          )
        : await listEvents(deps.store.db, filter).catch(rethrowExpired);
    const events = page.events;
    const last = events[events.length - 1];
    const links = { linkKey: page.linkKey, ttlSeconds: deps.signedUrlTtlSeconds ?? 3600 };
    return c.json(
      {
        data: await Promise.all(events.map((event) => toLoggedEventJson(event, links))),
        next_cursor: last?.id ?? (filter.afterSeq !== undefined ? (query.after ?? null) : null),
      },
      200,
    );
  });

  app.openapi(streamRoute, async (c) => {
    const query = c.req.valid("query");
    const lastEventId = c.req.valid("header")["last-event-id"];
    const [cursor, location] =
      lastEventId !== undefined && lastEventId !== ""
        ? [lastEventId, "header.last-event-id"]
        : [query.after, "query.after"];
    const tenantId = c.get("tenantId");
    const filter = filterOf(tenantId, query, cursor, location, 100);
    const fromNow = filter.afterSeq === undefined;
    if (filter.afterSeq === undefined) filter.afterSeq = await latestEventSeq(deps.store.db, tenantId);
    const startId = formatEventId(filter.afterSeq);
    // Read before the stream opens, so an expired cursor or a foreign mailbox is a problem+json answer.
    const first = await listEvents(deps.store.db, filter).catch(rethrowExpired);
    const slot = slots.acquire(tenantId, c.get("apiKeyId"), Date.now() + STREAM_MAX_MS);
    if (!slot.ok) throw tooManyLongPolls(slot);
    const stop = new AbortController();
    c.req.raw.signal.addEventListener("abort", () => stop.abort());
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => stop.abort());
      const endAt = Date.now() + STREAM_MAX_MS;
      try {
        // Reconnect after 1 s (EventSource's default is 3 s). A stream that starts "now" first says
        // where that is (an id with no data sets EventSource's Last-Event-ID without an event), so a
        // reconnect before the first event still misses nothing.
        await stream.write(fromNow ? `retry: 1000\nid: ${startId}\n\n` : "retry: 1000\n\n");
        let page: EventPage = first;
        while (!stop.signal.aborted) {
          const links = { linkKey: page.linkKey, ttlSeconds: deps.signedUrlTtlSeconds ?? 3600 };
          for (const event of page.events) {
            const json = await toLoggedEventJson(event, links);
            await stream.writeSSE({ id: event.id, event: event.type, data: JSON.stringify(json) });
            filter.afterSeq = event.seq;
          }
          const left = endAt - Date.now();
          if (left <= 0) break;
          page = await waitForEvents(deps.store.db, {
            ...filter,
            timeoutMs: Math.min(deps.eventStreamHeartbeatMs ?? HEARTBEAT_MS, left),
            signal: stop.signal,
            notifier: deps.messageEvents,
          });
          if (page.events.length === 0 && !stop.signal.aborted) await stream.write(": heartbeat\n\n");
        }
      } finally {
        slot.release();
      }
    });
  });
}

function filterOf(
  tenantId: string,
  query: z.infer<typeof FilterQuery>,
  cursor: string | undefined,
  location: string,
  limit: number,
): EventFilter {
  let afterSeq: number | undefined;
  if (cursor !== undefined && cursor !== "") {
    const seq = parseEventId(cursor);
    if (seq === null) {
      throw problems.invalid(`${cursor} is not an event id`, [
        { location, message: `must be an event id such as ${AFTER_EXAMPLE}` },
      ]);
    }
    afterSeq = seq;
  }
  const types = query.types
    ?.split(",")
    .map((type) => type.trim())
    .filter((type) => type !== "");
  const unknown = types?.filter((type) => !(EVENT_TYPES as readonly string[]).includes(type)) ?? [];
  if (unknown.length > 0) {
    throw problems.invalid(`unknown event type ${unknown.join(", ")}`, [
      { location: "query.types", message: `must be comma-separated types of: ${EVENT_TYPES.join(", ")}` },
    ]);
  }
  if (query.mailbox_id !== undefined && !looksLike("mailbox", query.mailbox_id)) {
    throw problems.notFound(`no mailbox ${query.mailbox_id}`);
  }
  return { tenantId, afterSeq, types, mailboxId: query.mailbox_id, limit };
}

async function withSlot<T>(
  slots: WaitSlots,
  c: Context<AppEnv>,
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const slot = slots.acquire(c.get("tenantId"), c.get("apiKeyId"), Date.now() + timeoutMs);
  if (!slot.ok) throw tooManyLongPolls(slot);
  try {
    return await run(c.req.raw.signal).catch(rethrowExpired);
  } finally {
    slot.release();
  }
}

function rethrowExpired(error: unknown): never {
  if (error instanceof EventCursorExpiredError) {
    throw new ApiError({
      status: 410,
      slug: "cursor-expired",
      title: "Gone",
      detail: `${error.message}: this cursor is older than the log keeps events (OMNIMAIL_EVENT_RETENTION_DAYS); start again without after, and fetch what you missed from GET /v1/mailboxes/{id}/messages`,
      errors: [{ location: "query.after", message: "is older than the event log's retention" }],
    });
  }
  throw error;
}
