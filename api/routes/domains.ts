import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { DomainSchema, toDomainJson } from "../../core/resources/domains";
import { listOf } from "../../core/resources/lists";
import { createDomain, deleteDomain, getDomain, listDomains, verifyDomain } from "../../core/tenancy/domains";
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

const CreateDomainBody = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(253)
      .openapi({ example: "acme.test", description: "Case-insensitive; an IDN is stored as punycode" }),
  })
  .openapi("CreateDomain");

const createDomainRoute = createRoute({
  method: "post",
  path: "/v1/domains",
  tags: ["Domains"],
  summary: "Add a domain; once verified, mail to it is accepted for this tenant's mailboxes",
  description:
    "A domain belongs to one tenant only: a name any tenant already has answers 409 (the same answer whichever tenant has it), and so does a subdomain of a domain another tenant has verified. A new domain is pending: publish the TXT record in `verification`, then POST /v1/domains/{id}/verify. Until then mail for it is refused (550 5.7.1).",
  request: { body: jsonBody(CreateDomainBody, "The domain name") },
  responses: {
    201: { description: "The domain", content: { "application/json": { schema: DomainSchema } } },
    ...problemResponses,
    ...bodyProblemResponses,
    ...conflictResponse,
  },
});

const listDomainsRoute = createRoute({
  method: "get",
  path: "/v1/domains",
  tags: ["Domains"],
  summary: "List this tenant's domains, newest first",
  request: { query: PaginationQuery },
  responses: {
    200: {
      description: "A page of domains",
      content: { "application/json": { schema: listOf(DomainSchema, "DomainList") } },
    },
    ...problemResponses,
  },
});

const getDomainRoute = createRoute({
  method: "get",
  path: "/v1/domains/{id}",
  tags: ["Domains"],
  summary: "Get one domain",
  request: { params: z.object({ id: idParam("domain") }) },
  responses: {
    200: { description: "The domain", content: { "application/json": { schema: DomainSchema } } },
    ...problemResponses,
  },
});

const deleteDomainRoute = createRoute({
  method: "delete",
  path: "/v1/domains/{id}",
  tags: ["Domains"],
  summary: "Delete a domain that has no mailboxes",
  description:
    "A domain with mailboxes answers 409: delete its mailboxes first (that deletes their mail), so no mail is ever deleted by accident.",
  request: { params: z.object({ id: idParam("domain") }) },
  responses: { 204: { description: "Deleted" }, ...problemResponses, ...conflictResponse },
});

const verifyDomainRoute = createRoute({
  method: "post",
  path: "/v1/domains/{id}/verify",
  tags: ["Domains"],
  summary: "Prove ownership: look up the domain's TXT record now",
  description:
    "Looks up `_omnimail.<domain>` TXT and verifies the domain when one value is `omnimail-verification=<token>` (the `verification` of the domain). A missing or wrong record answers 422 saying what was found; verifying a verified domain is a no-op.",
  request: { params: z.object({ id: idParam("domain") }) },
  responses: {
    200: { description: "The domain, verified", content: { "application/json": { schema: DomainSchema } } },
    ...problemResponses,
    422: bodyProblemResponses[422],
  },
});

export function registerDomainRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(createDomainRoute, async (c) => {
    const { name } = c.req.valid("json");
    return c.json(toDomainJson(await createDomain(deps.store, c.get("tenantId"), { name })), 201);
  });

  app.openapi(listDomainsRoute, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const before = decodeCursor(cursor, (id) => looksLike("domain", id));
    const rows = await listDomains(deps.store.db, c.get("tenantId"), { limit: limit + 1, before });
    return c.json(pageOf(rows, limit, toDomainJson), 200);
  });

  app.openapi(getDomainRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("domain", id)) throw problems.notFound(`no domain ${id}`);
    return c.json(toDomainJson(await getDomain(deps.store.db, c.get("tenantId"), id)), 200);
  });

  app.openapi(verifyDomainRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("domain", id)) throw problems.notFound(`no domain ${id}`);
    const resolveTxt = deps.resolveTxt;
    if (!resolveTxt)
      throw problems.notFound("this server cannot look up DNS; an operator can verify the domain");
    return c.json(toDomainJson(await verifyDomain(deps.store, c.get("tenantId"), id, resolveTxt)), 200);
  });

  app.openapi(deleteDomainRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("domain", id)) throw problems.notFound(`no domain ${id}`);
    await deleteDomain(deps.store, c.get("tenantId"), id);
    return c.body(null, 204);
  });
}
