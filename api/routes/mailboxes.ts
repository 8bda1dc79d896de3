import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { listOf } from "../../core/resources/lists";
import { MailboxSchema, toMailboxJson } from "../../core/resources/mailboxes";
import {
  createMailbox,
  deleteMailbox,
  getMailbox,
  listMailboxes,
  setMailboxRetention,
} from "../../core/tenancy/mailboxes";
import type { AppDeps, AppEnv } from "../context";
import { decodeCursor, pageOf } from "../pagination";
import { problems } from "../problem";
import {
  bodyProblemResponses,
  conflictResponse,
  idParam,
  jsonBody,
  looksLike,
  PaginationQuery,
  problemResponses,
} from "../schemas";

const CreateMailboxBody = z
  .strictObject({
    address: z.string().min(3).max(320).openapi({
      example: "alice@acme.test",
      description:
        "`local@domain` on one of the tenant's domains, or `*@domain` for the catch-all. The local part is kept as given and matched case-insensitively.",
    }),
  })
  .openapi("CreateMailbox");

const createMailboxRoute = createRoute({
  method: "post",
  path: "/v1/mailboxes",
  tags: ["Mailboxes"],
  summary: "Create a mailbox (or the catch-all) on one of the tenant's domains",
  request: { body: jsonBody(CreateMailboxBody, "The address") },
  responses: {
    201: { description: "The mailbox", content: { "application/json": { schema: MailboxSchema } } },
    ...problemResponses,
    ...bodyProblemResponses,
    ...conflictResponse,
  },
});

const UpdateMailboxBody = z
  .strictObject({
    retention_days: z.number().int().min(1).max(36_500).nullable().openapi({
      description:
        "Delete mail older than this many days (in batches, hourly, with message.deleted events); null keeps it",
      example: 30,
    }),
  })
  .openapi("UpdateMailbox");

const updateMailboxRoute = createRoute({
  method: "patch",
  path: "/v1/mailboxes/{id}",
  tags: ["Mailboxes"],
  summary: "Set how long the mailbox keeps mail",
  request: {
    params: z.object({ id: idParam("mailbox") }),
    body: jsonBody(UpdateMailboxBody, "The retention"),
  },
  responses: {
    200: { description: "The mailbox", content: { "application/json": { schema: MailboxSchema } } },
    ...problemResponses,
    ...bodyProblemResponses,
  },
});

const deleteMailboxRoute = createRoute({
  method: "delete",
  path: "/v1/mailboxes/{id}",
  tags: ["Mailboxes"],
  summary: "Delete a mailbox and every message in it",
  description:
    "The mailbox's messages, their attachments and search entries are deleted with it, in one transaction. A mailbox that a webhook is filtered to answers 409 until that webhook is deleted or re-pointed.",
  request: { params: z.object({ id: idParam("mailbox") }) },
  responses: { 204: { description: "Deleted, with its mail" }, ...problemResponses, ...conflictResponse },
});

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
    const rows = await listMailboxes(deps.store.db, c.get("tenantId"), { limit: limit + 1, before });
    return c.json(pageOf(rows, limit, toMailboxJson), 200);
  });

  app.openapi(createMailboxRoute, async (c) => {
    const { address } = c.req.valid("json");
    const created = await createMailbox(deps.store, c.get("tenantId"), { address });
    return c.json(toMailboxJson({ ...created, messageCount: 0, unreadCount: 0 }), 201);
  });

  app.openapi(updateMailboxRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("mailbox", id)) throw problems.notFound(`no mailbox ${id}`);
    const mailbox = await setMailboxRetention(
      deps.store,
      c.get("tenantId"),
      id,
      c.req.valid("json").retention_days,
    );
    return c.json(toMailboxJson(mailbox), 200);
  });

  app.openapi(deleteMailboxRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("mailbox", id)) throw problems.notFound(`no mailbox ${id}`);
    await deleteMailbox(deps.store, c.get("tenantId"), id);
    deps.messageEvents?.publishEvents([c.get("tenantId")]);
    deps.onPolicyChanged?.(c.get("tenantId"));
    return c.body(null, 204);
  });

  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("mailbox", id)) throw problems.notFound(`no mailbox ${id}`);
    return c.json(toMailboxJson(await getMailbox(deps.store.db, c.get("tenantId"), id)), 200);
  });
}
