import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { listMessages } from "../../../core/messages/read";
import { type WaitSlots, waitForNewMessages } from "../../../core/messages/wait";
import { listOf } from "../../../core/resources/lists";
import { MessageSummarySchema, toMessageSummaryJson } from "../../../core/resources/messages";
import type { AppDeps, AppEnv } from "../../context";
import { tooManyLongPolls } from "../../long-polls";
import { decodeCursor, pageOf } from "../../pagination";
import { problems } from "../../problem";
import { idParam, looksLike, problemResponses } from "../../schemas";
import { MessageFilterQuery, parseTime, WaitQuery } from "./schema";

const MessageSummaryList = listOf(MessageSummarySchema, "MessageSummaryList");

const listRoute = createRoute({
  method: "get",
  path: "/v1/mailboxes/{id}/messages",
  tags: ["Messages"],
  summary: "List a mailbox's messages, newest first",
  request: { params: z.object({ id: idParam("mailbox") }), query: MessageFilterQuery },
  responses: {
    200: {
      description: "A page of message summaries",
      content: { "application/json": { schema: MessageSummaryList } },
    },
    ...problemResponses,
  },
});

const waitRoute = createRoute({
  method: "get",
  path: "/v1/mailboxes/{id}/messages/wait",
  tags: ["Messages"],
  summary: "Long poll: answer as soon as a newer message is stored",
  description: [
    "Holds the request until a message newer than `after` is stored in the mailbox, then answers with those messages",
    "in the list's shape (newest first, at most `limit`, `next_cursor` always null). When `data` is full there may be",
    "more: call again with `after` set to `data[0].id`. Answers 204 when `timeout` seconds pass first.",
    "The server is woken by the commit itself, so the answer comes within milliseconds of the 250 to the sender.",
    "Each API key may hold OMNIMAIL_LONG_POLLS_PER_KEY (20) open at once and each tenant OMNIMAIL_LONG_POLLS_PER_TENANT",
    "(100), per server process; past that the answer is 429 with Retry-After.",
  ].join(" "),
  request: { params: z.object({ id: idParam("mailbox") }), query: WaitQuery },
  responses: {
    200: {
      description: "The messages stored after `after`",
      content: { "application/json": { schema: MessageSummaryList } },
    },
    204: { description: "Nothing arrived within `timeout` seconds" },
    ...problemResponses,
  },
});

export function registerMessageListRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: AppDeps,
  waitSlots: WaitSlots,
): void {
  const links = { publicUrl: deps.publicUrl };

  app.openapi(listRoute, async (c) => {
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    if (!looksLike("mailbox", id)) throw problems.notFound(`no mailbox ${id}`);
    const before = decodeCursor(query.cursor, (value) => looksLike("message", value));
    const rows = await listMessages(
      deps.store.db,
      c.get("tenantId"),
      id,
      { limit: query.limit + 1, before },
      {
        q: query.q,
        from: query.from,
        to: query.to,
        subject: query.subject,
        since: parseTime(query.since, "query.since"),
        until: parseTime(query.until, "query.until"),
        unread: query.unread === "true" || query.unread === "1",
        quarantined: query.quarantined === "true" || query.quarantined === "1",
        kind: query.kind,
      },
    );
    return c.json(
      pageOf(rows, query.limit, (row) => toMessageSummaryJson(row, links)),
      200,
    );
  });

  app.openapi(waitRoute, async (c) => {
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    if (!looksLike("mailbox", id)) throw problems.notFound(`no mailbox ${id}`);
    if (query.after !== undefined && !looksLike("message", query.after)) {
      throw problems.invalid("after is not a message id", [
        { location: "query.after", message: "must be a message id such as msg_01JZ…" },
      ]);
    }
    const timeoutMs = query.timeout * 1000;
    const slot = waitSlots.acquire(c.get("tenantId"), c.get("apiKeyId"), Date.now() + timeoutMs);
    if (!slot.ok) throw tooManyLongPolls(slot);
    let rows: Awaited<ReturnType<typeof waitForNewMessages>>;
    try {
      rows = await waitForNewMessages(deps.store.db, {
        tenantId: c.get("tenantId"),
        mailboxId: id,
        after: query.after,
        limit: query.limit,
        timeoutMs,
        signal: c.req.raw.signal,
        notifier: deps.messageEvents,
        filters: { q: query.q, from: query.from, subject: query.subject, kind: query.kind },
      });
    } finally {
      slot.release();
    }
    if (rows.length === 0) return c.body(null, 204);
    const data = rows.reverse().map((row) => toMessageSummaryJson(row, links));
    return c.json({ data, next_cursor: null }, 200);
  });
}
