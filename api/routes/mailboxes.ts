import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { iso } from "../../core/messages/serialize";
import { getMailbox, listMailboxes, type Mailbox } from "../../core/tenancy/mailboxes";
import type { AppDeps, AppEnv } from "../context";
import { decodeCursor, pageOf } from "../pagination";
import { problems } from "../problem";
import { idParam, listOf, looksLike, MailboxSchema, PaginationQuery, problemResponses } from "../schemas";

export function toMailboxJson(mailbox: Mailbox) {
  return {
    id: mailbox.id,
    address: mailbox.address,
    domain_id: mailbox.domainId,
    created_at: iso(mailbox.createdAt) ?? "",
    message_count: mailbox.messageCount,
    unread_count: mailbox.unreadCount,
  };
}

const listRoute = createRoute({
  method: "get",
  path: "/v1/mailboxes",
  tags: ["Mailboxes"],
  summary: "List the tenant's mailboxes, newest first",
  request: { query: PaginationQuery },
  responses: {
    200: {
      description: "A page of mailboxes",
      content: { "application/json": { schema: listOf(MailboxSchema, "MailboxList") } },
    },
    ...problemResponses,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/mailboxes/{id}",
  tags: ["Mailboxes"],
  summary: "Get one mailbox with its message counts",
  request: { params: z.object({ id: idParam("mailbox") }) },
  responses: {
    200: { description: "The mailbox", content: { "application/json": { schema: MailboxSchema } } },
    ...problemResponses,
  },
});

export function registerMailboxRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(listRoute, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const before = decodeCursor(cursor, (id) => looksLike("mailbox", id));
    const rows = await listMailboxes(deps.database.db, c.get("tenantId"), { limit: limit + 1, before });
    return c.json(pageOf(rows, limit, toMailboxJson), 200);
  });

  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("mailbox", id)) throw problems.notFound(`no mailbox ${id}`);
    return c.json(toMailboxJson(await getMailbox(deps.database.db, c.get("tenantId"), id)), 200);
  });
}
