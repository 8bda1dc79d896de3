import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { createReplyAddress, MAX_EXPIRES_IN_SECONDS } from "../../core/reply-addresses/create";
import type { AppDeps, AppEnv } from "../context";
import { problems } from "../problem";
import { bodyProblemResponses, jsonBody, looksLike, problemResponses } from "../schemas";

const CreateBody = z
  .strictObject({
    mailbox_id: z.string().openapi({ example: "mbx_01JZ8PZ3X1R6W0A5N8M2C7E9B4" }),
    ref: z.string().min(1).max(64).openapi({
      description:
        "Your correlation value (a ticket or conversation id), given back as `reply_ref` on the mail",
      example: "ticket-4711",
    }),
    expires_in: z
      .number()
      .int()
      .min(60)
      .max(MAX_EXPIRES_IN_SECONDS)
      .openapi({ description: "Seconds the address accepts mail", example: 2_592_000 }),
    sender: z.string().max(320).optional().openapi({
      description: "Accept mail only from this envelope sender (MAIL FROM)",
      example: "customer@example.com",
    }),
  })
  .openapi("CreateReplyAddress");

const ReplyAddressSchema = z
  .object({
    address: z.string().openapi({ example: "support+r1aaaaaab2q7x5k3m9d4f6h8j2n4p6@acme.test" }),
    ref: z.string(),
    expires_at: z.string(),
  })
  .openapi("ReplyAddress");

const createRouteDef = createRoute({
  method: "post",
  path: "/v1/reply-addresses",
  tags: ["Mailboxes"],
  summary: "A reply address that carries your ref and cannot be forged",
  description: [
    "Answers `<local>+<token>@<domain>` of the mailbox: the token carries `ref` and the expiry under a MAC with the",
    "tenant's key, so it fits a 64-octet local part and needs no lookup. At RCPT TO the edge checks it: an altered",
    "or expired token, or a sender other than `sender`, is refused `550 5.7.1` with the reason before any DATA; a",
    "valid one is delivered to the mailbox with `reply_ref` set on the message, its summary and its webhook.",
    "`ref` can be as long as the local part leaves room for (the answer says so when it is too long).",
  ].join(" "),
  request: { body: jsonBody(CreateBody, "The mailbox, your ref and the lifetime") },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: ReplyAddressSchema } } },
    ...problemResponses,
    ...bodyProblemResponses,
  },
});

export function registerReplyAddressRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(createRouteDef, async (c) => {
    const body = c.req.valid("json");
    if (!looksLike("mailbox", body.mailbox_id)) throw problems.notFound(`no mailbox ${body.mailbox_id}`);
    const created = await createReplyAddress(deps.store.db, c.get("tenantId"), {
      mailboxId: body.mailbox_id,
      ref: body.ref,
      expiresInSeconds: body.expires_in,
      sender: body.sender,
    });
    return c.json(
      { address: created.address, ref: created.ref, expires_at: new Date(created.expiresAt).toISOString() },
      201,
    );
  });
}
