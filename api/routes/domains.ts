import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { ON_TIMEOUT } from "../../core/policy/rcpt-hook-config";
import { setRcptHook } from "../../core/policy/rcpt-hook-settings";
import { DelegationSchema, NewDelegationSchema, toDelegationJson } from "../../core/resources/delegations";
import { DomainSchema, toDomainJson } from "../../core/resources/domains";
import { listOf } from "../../core/resources/lists";
import { createDelegation, deleteDelegation, listDelegations } from "../../core/tenancy/delegations";
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
    delegation_token: z.string().min(1).max(200).optional().openapi({
      description:
        "For a subdomain of a domain another tenant has verified: the token of that tenant's delegation of this name (POST /v1/domains/{id}/delegations)",
    }),
  })
  .openapi("CreateDomain");

const CreateDelegationBody = z
  .strictObject({
    name: z.string().min(1).max(253).openapi({
      example: "billing.globex.example",
      description: "A subdomain of the domain; once delegated, only the tenant with the token can add it",
    }),
  })
  .openapi("CreateDelegation");

const delegationParams = z.object({
  id: idParam("domain"),
  delegation_id: idParam("delegation", "delegation_id"),
});

const createDelegationRoute = createRoute({
  method: "post",
  path: "/v1/domains/{id}/delegations",
  tags: ["Domains"],
  summary: "Delegate a subdomain of this verified domain to another tenant",
  description:
    "A subdomain of a verified domain is this tenant's: another tenant adding it answers 409. A delegation lets one other tenant add exactly `name`: the answer carries a token, shown once, that the other tenant passes as `delegation_token` to POST /v1/domains. The delegated domain is then pending until its own TXT record is published (by whoever runs this domain's DNS) and verified.",
  request: {
    params: z.object({ id: idParam("domain") }),
    body: jsonBody(CreateDelegationBody, "The subdomain"),
  },
  responses: {
    201: {
      description: "The delegation, with its token",
      content: { "application/json": { schema: NewDelegationSchema } },
    },
    ...problemResponses,
    ...bodyProblemResponses,
    ...conflictResponse,
  },
});

const listDelegationsRoute = createRoute({
  method: "get",
  path: "/v1/domains/{id}/delegations",
  tags: ["Domains"],
  summary: "List this domain's delegations, newest first (tokens are never shown again)",
  request: { params: z.object({ id: idParam("domain") }) },
  responses: {
    200: {
      description: "The delegations",
      content: { "application/json": { schema: listOf(DelegationSchema, "DelegationList") } },
    },
    ...problemResponses,
  },
});

const deleteDelegationRoute = createRoute({
  method: "delete",
  path: "/v1/domains/{id}/delegations/{delegation_id}",
  tags: ["Domains"],
  summary: "Withdraw an unused delegation",
  description:
    "A used delegation answers 409: the domain is the other tenant's, and only that tenant can delete it.",
  request: { params: delegationParams },
  responses: { 204: { description: "Withdrawn" }, ...problemResponses, ...conflictResponse },
});

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

const RcptHookBody = z
  .strictObject({
    rcpt_hook: z
      .strictObject({
        url: z.string().max(2048).openapi({ example: "https://app.example.com/omnimail/rcpt" }),
        timeout_ms: z.number().int().min(100).max(5000).optional().openapi({ description: "Default 2000" }),
        on_timeout: z.enum(ON_TIMEOUT).optional().openapi({
          description:
            "When the hook times out or answers other than 2xx `{action}`: `tempfail` (451 4.4.3, the sender retries; default), `accept` or `reject`",
        }),
        cache_seconds: z.number().int().min(0).max(86_400).optional().openapi({
          description: "Remember each (sender, recipient) answer this long (default 0)",
        }),
      })
      .nullable()
      .openapi({
        description: [
          "OmniMail POSTs `{mail_from, rcpt_to, client_ip, helo}` for each recipient no rule decided, signed per Standard",
          'Webhooks with the hook\'s secret; answer `{"action": "accept" | "reject", "reason"?}`. null removes it.',
        ].join(" "),
      }),
  })
  .openapi("UpdateDomain");

const updateDomainRoute = createRoute({
  method: "patch",
  path: "/v1/domains/{id}",
  tags: ["Domains"],
  summary: "Set or remove the domain's RCPT-time hook",
  request: {
    params: z.object({ id: idParam("domain") }),
    body: { required: true, content: { "application/json": { schema: RcptHookBody } } },
  },
  responses: {
    200: { description: "The domain", content: { "application/json": { schema: DomainSchema } } },
    ...problemResponses,
    ...bodyProblemResponses,
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
    const { name, delegation_token } = c.req.valid("json");
    const domain = await createDomain(deps.store, c.get("tenantId"), {
      name,
      delegationToken: delegation_token,
    });
    return c.json(toDomainJson(domain), 201);
  });

  app.openapi(createDelegationRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("domain", id)) throw problems.notFound(`no domain ${id}`);
    const { delegation, token } = await createDelegation(
      deps.store,
      c.get("tenantId"),
      id,
      c.req.valid("json"),
    );
    return c.json({ ...toDelegationJson(delegation), token }, 201);
  });

  app.openapi(listDelegationsRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("domain", id)) throw problems.notFound(`no domain ${id}`);
    const rows = await listDelegations(deps.store.db, c.get("tenantId"), id);
    return c.json(pageOf(rows, rows.length, toDelegationJson), 200);
  });

  app.openapi(deleteDelegationRoute, async (c) => {
    const { id, delegation_id } = c.req.valid("param");
    if (!looksLike("domain", id) || !looksLike("delegation", delegation_id)) {
      throw problems.notFound(`no delegation ${delegation_id} on domain ${id}`);
    }
    await deleteDelegation(deps.store, c.get("tenantId"), id, delegation_id);
    return c.body(null, 204);
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

  app.openapi(updateDomainRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!looksLike("domain", id)) throw problems.notFound(`no domain ${id}`);
    const tenantId = c.get("tenantId");
    const { secret } = await setRcptHook(
      deps.store,
      tenantId,
      id,
      c.req.valid("json").rcpt_hook,
      deps.webhooks?.guard ?? { allowPrivate: false },
    );
    deps.onPolicyChanged?.(tenantId);
    const domain = toDomainJson(await getDomain(deps.store.db, tenantId, id));
    return c.json(secret ? { ...domain, rcpt_hook_secret: secret } : domain, 200);
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
