import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { listRejections, REJECTION_STAGES, type RejectionRow } from "../../core/policy/ledger";
import { listOf } from "../../core/resources/lists";
import type { AppDeps, AppEnv } from "../context";
import { decodeCursor, pageOf } from "../pagination";
import { looksLike, PaginationQuery, problemResponses, queryText } from "../schemas";
import { parseTime } from "./messages/schema";

const RejectionSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    stage: z.enum(REJECTION_STAGES),
    code: z.number().int().openapi({ example: 550 }),
    enhanced_code: z.string().openapi({ example: "5.7.1" }),
    reason: z.string().openapi({
      description:
        "What refused: mailbox_unknown, domain_unverified, rule_rejected, hook_rejected, hook_failed, quota_exceeded, reply_address_invalid, too_big, insufficient_storage, storage_failed, … and ledger_dropped (a row saying how many refusals of a minute were past the ledger's bound)",
      example: "rule_rejected",
    }),
    detail: z
      .string()
      .openapi({ description: "The reply's text", example: "We do not accept mail from this sender" }),
    mail_from: z.string().nullable(),
    rcpt_to: z.string().nullable(),
    client_ip: z.string().nullable(),
    dropped: z.number().int().openapi({ description: "For ledger_dropped: how many were not recorded" }),
  })
  .openapi("Rejection");

/** One row of the ledger as the API answers it (the inbox's client imports this type only). */
export type RejectionJson = z.infer<typeof RejectionSchema>;

const listRoute = createRoute({
  method: "get",
  path: "/v1/rejections",
  tags: ["Rules"],
  summary: "Every refusal of mail to this tenant, newest first",
  description: [
    "Unknown mailboxes on its domains, rules, the RCPT hook, the quota, reply tokens, the size limit and storage",
    "refusals of its recipients' mail. Kept OMNIMAIL_REJECTION_RETENTION_DAYS (7) days; at most 600 rows a minute per",
    "tenant (past that a `ledger_dropped` row counts the rest).",
  ].join(" "),
  request: {
    query: PaginationQuery.extend({
      reason: queryText(64)
        .optional()
        .openapi({ param: { name: "reason", in: "query" }, example: "rule_rejected" }),
      since: queryText(64)
        .optional()
        .openapi({ param: { name: "since", in: "query" }, description: "At or after (ISO 8601)" }),
    }),
  },
  responses: {
    200: {
      description: "A page of refusals",
      content: { "application/json": { schema: listOf(RejectionSchema, "RejectionList") } },
    },
    ...problemResponses,
  },
});

export function toRejectionJson(row: RejectionRow): RejectionJson {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    stage: row.stage,
    code: row.code,
    enhanced_code: row.enhancedCode,
    reason: row.reason,
    detail: row.detail,
    mail_from: row.mailFrom,
    rcpt_to: row.rcptTo,
    client_ip: row.clientIp,
    dropped: row.dropped,
  };
}

export function registerRejectionRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const before = decodeCursor(query.cursor, (value) => looksLike("rejection", value));
    const rows = await listRejections(deps.store.db, c.get("tenantId"), {
      limit: query.limit + 1,
      before,
      reason: query.reason,
      since: parseTime(query.since, "query.since"),
    });
    return c.json(pageOf(rows, query.limit, toRejectionJson), 200);
  });
}
