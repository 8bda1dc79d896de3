import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { listOf } from "../../core/resources/lists";
import { MessageSummarySchema, toMessageSummaryJson } from "../../core/resources/messages";
import { getThread, listThreads, type ThreadRow } from "../../core/threads/read";
import type { AppDeps, AppEnv } from "../context";
import { decodeCursor, pageOf } from "../pagination";
import { problems } from "../problem";
import { idParam, looksLike, PaginationQuery, problemResponses, queryText } from "../schemas";

const ThreadSchema = z
  .object({
    id: z.string().openapi({ example: "thr_01JZ8Q4V6C3M9T2K7D5R1N0F4H" }),
    mailbox_id: z.string(),
    subject: z.string().nullable().openapi({ description: "The subject of its first message" }),
    message_count: z.number().int(),
    unread_count: z.number().int(),
    participants: z
      .array(z.string())
      .openapi({ description: "Addresses of its senders and recipients (at most 50)" }),
    first_message_at: z.string(),
    last_message_at: z.string(),
  })
  .openapi("Thread");

const ThreadWithMessages = ThreadSchema.extend({
  messages: z.array(MessageSummarySchema).openapi({ description: "Oldest first" }),
}).openapi("ThreadWithMessages");

function toThreadJson(thread: ThreadRow): z.infer<typeof ThreadSchema> {
  return {
    id: thread.id,
    mailbox_id: thread.mailboxId,
    subject: thread.subject,
    message_count: thread.messageCount,
    unread_count: thread.unreadCount,
    participants: thread.participants,
    first_message_at: new Date(thread.firstMessageAt).toISOString(),
    last_message_at: new Date(thread.lastMessageAt).toISOString(),
  };
}

const listRoute = createRoute({
  method: "get",
  path: "/v1/threads",
  tags: ["Messages"],
  summary: "Conversations, newest activity first",
  description:
    "Messages are grouped per mailbox by References / In-Reply-To / Message-ID, else by subject (Re:, Fwd:, AW:, SV:… removed) with a participant in common within 30 days.",
  request: {
    query: PaginationQuery.extend({
      mailbox_id: queryText(64)
        .optional()
        .openapi({ param: { name: "mailbox_id", in: "query" }, description: "Only this mailbox's threads" }),
    }),
  },
  responses: {
    200: {
      description: "A page of threads",
      content: { "application/json": { schema: listOf(ThreadSchema, "ThreadList") } },
    },
    ...problemResponses,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/threads/{id}",
  tags: ["Messages"],
  summary: "A thread with its messages, oldest first",
  request: { params: z.object({ id: idParam("thread") }) },
  responses: {
    200: { description: "The thread", content: { "application/json": { schema: ThreadWithMessages } } },
    ...problemResponses,
  },
});

export function registerThreadRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const links = { publicUrl: deps.publicUrl };
  app.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    if (query.mailbox_id !== undefined && !looksLike("mailbox", query.mailbox_id)) {
      throw problems.notFound(`no mailbox ${query.mailbox_id}`);
    }
    const before = decodeCursor(query.cursor, (value) => looksLike("thread", value));
    const rows = await listThreads(deps.store.db, c.get("tenantId"), {
      limit: query.limit + 1,
      mailboxId: query.mailbox_id,
      before,
    });
    return c.json(pageOf(rows, query.limit, toThreadJson), 200);
  });
  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("thread", id)) throw problems.notFound(`no thread ${id}`);
    const { thread, messages } = await getThread(deps.store.db, c.get("tenantId"), id);
    return c.json(
      { ...toThreadJson(thread), messages: messages.map((row) => toMessageSummaryJson(row, links)) },
      200,
    );
  });
}
