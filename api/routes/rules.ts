import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { InvalidError } from "../../core/errors";
import { refusalLine } from "../../core/ingest/refusals";
import { decideRecipient } from "../../core/policy/decide";
import {
  createRule,
  deleteRule,
  getRule,
  listRules,
  RULE_ACTIONS,
  type Rule,
  updateRule,
} from "../../core/policy/rules";
import { listOf } from "../../core/resources/lists";
import { resolveRecipient } from "../../core/tenancy/recipients";
import type { AppDeps, AppEnv } from "../context";
import { decodeCursor, pageOf } from "../pagination";
import { problems } from "../problem";
import {
  bodyProblemResponses,
  idParam,
  jsonBody,
  looksLike,
  PaginationQuery,
  problemResponses,
} from "../schemas";

/** /v1/rules: what a tenant decides at RCPT TO (core/policy/rules.ts), and a dry run of it. */

const nullableText = (max: number) => z.string().max(max).nullable().optional();

const RuleBody = z
  .strictObject({
    priority: z.number().int().min(0).max(1_000_000).optional().openapi({
      description: "Lowest first; first match wins (default 100)",
      example: 10,
    }),
    scope: z
      .strictObject({ mailbox_id: nullableText(64), domain_id: nullableText(64) })
      .optional()
      .openapi({ description: "Only recipients of this mailbox or domain; empty: all of the tenant's" }),
    match: z
      .strictObject({
        sender: nullableText(320).openapi({
          description: "MAIL FROM: an address or `*@domain`",
          example: "*@spam.example",
        }),
        sender_domain: nullableText(253).openapi({
          description: "MAIL FROM's domain or any subdomain of it",
        }),
        client_ip: nullableText(64).openapi({
          description: "The client's address: a CIDR, v4 or v6",
          example: "203.0.113.0/24",
        }),
        rcpt: nullableText(320).openapi({
          description: "RCPT TO: an address (also with a +tag) or `*@domain`",
        }),
      })
      .optional()
      .openapi({ description: "Every field given must match; none given matches every recipient in scope" }),
    action: z.enum(RULE_ACTIONS).openapi({
      description:
        "`reject`: 550 5.7.1 <reason>; `accept`: accepted, no later rule or hook; `quarantine`: stored held, no webhook until released",
    }),
    reason: nullableText(200).openapi({
      description: "The text of the 550 reply (printable ASCII)",
      example: "We do not accept mail from this sender",
    }),
  })
  .openapi("CreateRule");

const UpdateBody = RuleBody.partial().openapi("UpdateRule");

const RuleSchema = z
  .object({
    id: z.string(),
    priority: z.number().int(),
    scope: z.object({ mailbox_id: z.string().nullable(), domain_id: z.string().nullable() }),
    match: z.object({
      sender: z.string().nullable(),
      sender_domain: z.string().nullable(),
      client_ip: z.string().nullable(),
      rcpt: z.string().nullable(),
    }),
    action: z.enum(RULE_ACTIONS),
    reason: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Rule");

const TestBody = z
  .strictObject({
    mail_from: z
      .string()
      .max(320)
      .openapi({ example: "someone@spam.example", description: '`""` for the null sender' }),
    rcpt_to: z.string().max(320).openapi({ example: "sales@acme.test" }),
    client_ip: z.string().max(64).nullable().optional().openapi({ example: "203.0.113.7" }),
  })
  .openapi("TestRules");

const TestResultSchema = z
  .object({
    accepted: z.boolean(),
    quarantined: z.boolean(),
    decided_by: z.enum(["rule", "hook", "quota", "reply_address", "default"]),
    rule: RuleSchema.nullable(),
    reply: z.string().openapi({
      description: "The RCPT TO reply the SMTP edge would send, e.g. `550 5.7.1 …` or `250 2.1.5 Accepted`",
    }),
  })
  .openapi("RuleTestResult");

/** The shapes the inbox's client sends and reads (it imports these types only). */
export type RuleJson = z.infer<typeof RuleSchema>;
export type CreateRuleBody = z.input<typeof RuleBody>;
export type RuleTestBody = z.input<typeof TestBody>;
export type RuleTestResultJson = z.infer<typeof TestResultSchema>;

function toRuleJson(rule: Rule): RuleJson {
  return {
    id: rule.id,
    priority: rule.priority,
    scope: { mailbox_id: rule.scope.mailboxId, domain_id: rule.scope.domainId },
    match: {
      sender: rule.match.sender,
      sender_domain: rule.match.senderDomain,
      client_ip: rule.match.clientIp,
      rcpt: rule.match.rcpt,
    },
    action: rule.action,
    reason: rule.reason,
    created_at: new Date(rule.createdAt).toISOString(),
    updated_at: new Date(rule.updatedAt).toISOString(),
  };
}

const tags = ["Rules"];
const json = <T extends z.ZodType>(schema: T, description: string) =>
  ({ description, content: { "application/json": { schema } } }) as const;
const idParams = z.object({ id: idParam("rule") });

const routes = {
  create: createRoute({
    method: "post",
    path: "/v1/rules",
    tags,
    summary: "Add a rule, evaluated per recipient at RCPT TO",
    request: { body: jsonBody(RuleBody, "The rule") },
    responses: { 201: json(RuleSchema, "Created"), ...problemResponses, ...bodyProblemResponses },
  }),
  list: createRoute({
    method: "get",
    path: "/v1/rules",
    tags,
    summary: "The tenant's rules in evaluation order (priority, then creation)",
    request: { query: PaginationQuery },
    responses: {
      200: json(listOf(RuleSchema, "RuleList"), "A page of rules, in the order they are evaluated"),
      ...problemResponses,
    },
  }),
  get: createRoute({
    method: "get",
    path: "/v1/rules/{id}",
    tags,
    summary: "Get a rule",
    request: { params: idParams },
    responses: { 200: json(RuleSchema, "The rule"), ...problemResponses },
  }),
  update: createRoute({
    method: "patch",
    path: "/v1/rules/{id}",
    tags,
    summary: "Change a rule (applies within 5 s)",
    request: { params: idParams, body: jsonBody(UpdateBody, "The fields to change") },
    responses: { 200: json(RuleSchema, "The rule"), ...problemResponses, ...bodyProblemResponses },
  }),
  remove: createRoute({
    method: "delete",
    path: "/v1/rules/{id}",
    tags,
    summary: "Delete a rule",
    request: { params: idParams },
    responses: { 204: { description: "Deleted" }, ...problemResponses },
  }),
  test: createRoute({
    method: "post",
    path: "/v1/rules/test",
    tags,
    summary: "What RCPT TO would answer for this sender, recipient and client, without sending anything",
    description: [
      "Runs the same decision as the SMTP edge and the Email Worker (reply tokens, rules, quota) on the current",
      "rules, and answers with the rule that matched and the reply. When no rule decides and the domain has an RCPT",
      "hook, `decided_by` is `hook` and the reply says so: the hook is not called.",
    ].join(" "),
    request: { body: jsonBody(TestBody, "The transaction to try") },
    responses: { 200: json(TestResultSchema, "The decision"), ...problemResponses, ...bodyProblemResponses },
  }),
};

export function registerRuleRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const requireId = (id: string) => {
    if (!looksLike("rule", id)) throw problems.notFound(`no rule ${id}`);
    return id;
  };

  app.openapi(routes.create, async (c) => {
    const rule = await createRule(deps.store, c.get("tenantId"), c.req.valid("json"));
    deps.onPolicyChanged?.(c.get("tenantId"));
    return c.json(toRuleJson(rule), 201);
  });
  app.openapi(routes.list, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const after = decodeCursor(cursor, (value) => looksLike("rule", value));
    const rules = await listRules(deps.store.db, c.get("tenantId"), { limit: limit + 1, after });
    return c.json(pageOf(rules, limit, toRuleJson), 200);
  });
  app.openapi(routes.get, async (c) => {
    const rule = await getRule(deps.store.db, c.get("tenantId"), requireId(c.req.valid("param").id));
    return c.json(toRuleJson(rule), 200);
  });
  app.openapi(routes.update, async (c) => {
    const id = requireId(c.req.valid("param").id);
    const rule = await updateRule(deps.store, c.get("tenantId"), id, c.req.valid("json"));
    deps.onPolicyChanged?.(c.get("tenantId"));
    return c.json(toRuleJson(rule), 200);
  });
  app.openapi(routes.remove, async (c) => {
    await deleteRule(deps.store, c.get("tenantId"), requireId(c.req.valid("param").id));
    deps.onPolicyChanged?.(c.get("tenantId"));
    return c.body(null, 204);
  });

  app.openapi(routes.test, async (c) => {
    const body = c.req.valid("json");
    const resolution = await resolveRecipient(deps.store.db, body.rcpt_to);
    // Only the tenant's own domains: another tenant's rules are not for asking about.
    if (resolution.kind === "invalid-address") {
      throw new InvalidError("body.rcpt_to", "rcpt_to is not an email address");
    }
    if (resolution.kind === "domain-not-hosted" || resolution.tenantId !== c.get("tenantId")) {
      throw new InvalidError("body.rcpt_to", `${body.rcpt_to} is not on one of this tenant's domains`);
    }
    if (resolution.kind !== "mailbox") {
      const reply =
        resolution.kind === "domain-unverified"
          ? "550 5.7.1 Domain not verified: its owner has not proven it to this server yet"
          : "550 5.1.1 Mailbox unknown";
      return c.json(
        { accepted: false, quarantined: false, decided_by: "default" as const, rule: null, reply },
        200,
      );
    }
    let hookAsked = false;
    const decision = await decideRecipient(
      resolution,
      { mailFrom: body.mail_from, rcptTo: body.rcpt_to, clientIp: body.client_ip ?? null, helo: null },
      {
        // Nothing is sent: the hook's part is reported, not asked.
        callHook: async () => {
          hookAsked = true;
          return { action: "accept", reason: null, cached: false };
        },
      },
    );
    const reply = hookAsked
      ? "decided by the domain's RCPT hook (not called by this test)"
      : decision.accepted
        ? "250 2.1.5 Accepted"
        : refusalLine(decision.refusal);
    return c.json(
      {
        accepted: decision.accepted,
        quarantined: decision.accepted && decision.quarantined,
        decided_by: decision.decidedBy,
        rule: decision.rule ? toRuleJson(decision.rule) : null,
        reply,
      },
      200,
    );
  });
}
