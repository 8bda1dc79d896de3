import { z } from "@hono/zod-openapi";
import { AddressSchema, AttachmentSchema, AuthResultsSchema, IngressSchema } from "./messages";

/**
 * The bodies of the webhook events we send, as receivers get them: the schemas
 * (for the top-level `webhooks` of /openapi.json and the /docs page) that the
 * builders in core/outbox/payload.ts are typed by, so a payload that drifts
 * from its documentation does not compile. The Standard Webhooks headers that
 * come with every event are described here too.
 */

const MESSAGE_ID = "msg_01JZ8Q4V6C3M9T2K7D5R1N0F4H";
const MAILBOX_ID = "mbx_01JZ8PZ3X1R6W0A5N8M2C7E9B4";
const MESSAGE_URL = `https://mail.example.com/v1/messages/${MESSAGE_ID}`;

const messageReceivedExample = {
  type: "message.received",
  timestamp: "2026-03-02T09:41:07.512Z",
  data: {
    id: MESSAGE_ID,
    mailbox_id: MAILBOX_ID,
    received_at: "2026-03-02T09:41:07.512Z",
    envelope: { mail_from: "billing@vendor.example", rcpt_to: ["invoices+march@acme.test"] },
    from: { address: "billing@vendor.example", name: "Vendor Billing" },
    to: [{ address: "invoices@acme.test", name: "" }],
    cc: [],
    subject: "Invoice 2026-031",
    date: "2026-03-02T09:41:05.000Z",
    message_id: "<20260302094105.4711@vendor.example>",
    text: "Hello,\n\nyour invoice for March is attached.\n",
    text_truncated: false,
    attachments: [
      {
        id: "att_01JZ8Q4V6D0P2S8G3H6K9M1Q5T",
        filename: "invoice-2026-031.pdf",
        content_type: "application/pdf",
        disposition: "attachment",
        content_id: null,
        size: 48213,
        sha256: "9f2c1e0b6a7d4c3f8e5b2a1d0c9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f",
        url: `${MESSAGE_URL}/attachments/att_01JZ8Q4V6D0P2S8G3H6K9M1Q5T`,
      },
    ],
    size: 67522,
    parse_error: null,
    ingress: "smtp",
    auth: {
      spf: { result: "pass", domain: "vendor.example" },
      dkim: [{ result: "pass", domain: "vendor.example", selector: "s1", aligned: true }],
      dmarc: { result: "pass", domain: "vendor.example", policy: "reject" },
      arc: { result: "none" },
    },
    url: MESSAGE_URL,
    raw_url: `${MESSAGE_URL}/raw`,
  },
} as const;

const webhookTestExample = {
  type: "webhook.test",
  timestamp: "2026-03-02T09:45:00.000Z",
  data: { endpoint_id: "wh_01JZ8Q7B2N5K8R1T4W7Y0C3F6H", message: "This is a test event from OmniMail." },
} as const;

const Timestamp = z.string().openapi({
  description: "When the event happened (ISO 8601); the signed send time is `webhook-timestamp`",
});

/** The sender's verdicts as webhooks carry them (the Authentication-Results text stays in the API). */
export const SenderAuthVerdictsSchema = AuthResultsSchema.omit({ header: true }).openapi(
  "SenderAuthenticationVerdicts",
  { description: "SPF, DKIM, DMARC and ARC results, as in the message's `auth` without `header`" },
);

export const MessageReceivedEventSchema = z
  .object({
    type: z.literal("message.received"),
    timestamp: Timestamp,
    data: z.object({
      id: z
        .string()
        .openapi({ description: "The message: `GET /v1/messages/{id}` (or `url`) has all of it" }),
      mailbox_id: z.string(),
      received_at: z.string().nullable(),
      envelope: z.object({
        mail_from: z.string(),
        rcpt_to: z.array(z.string()).openapi({ description: "The envelope recipients of this mailbox only" }),
      }),
      from: AddressSchema.nullable(),
      to: z.array(AddressSchema),
      cc: z.array(AddressSchema),
      subject: z.string().nullable(),
      date: z.string().nullable(),
      message_id: z.string().nullable(),
      text: z
        .string()
        .nullable()
        .openapi({ description: "The text part, cut at 64 KiB (see `text_truncated`)" }),
      text_truncated: z.boolean(),
      attachments: z
        .array(AttachmentSchema)
        .openapi({ description: "Metadata; fetch the bytes from each `url`" }),
      size: z.number().int().openapi({ description: "Bytes of the stored raw message" }),
      parse_error: z.string().nullable(),
      ingress: IngressSchema,
      auth: SenderAuthVerdictsSchema.nullable(),
      url: z.string().openapi({ description: "The message in the API" }),
      raw_url: z.string().openapi({ description: "The stored bytes (`message/rfc822`)" }),
      recipients_truncated: z.boolean().optional().openapi({
        description: "Present (true) when `to` and `cc` were shortened to keep the body under 256 KiB",
      }),
      attachments_truncated: z.boolean().optional().openapi({
        description: "Present (true) when `attachments` was shortened to keep the body under 256 KiB",
      }),
    }),
  })
  .openapi("MessageReceivedEvent", {
    description:
      "A message was stored in a mailbox the endpoint watches. Thin by design, never over 256 KiB: fetch the rest with the URLs.",
  });

export const WebhookTestEventSchema = z
  .object({
    type: z.literal("webhook.test"),
    timestamp: Timestamp,
    data: z.object({ endpoint_id: z.string(), message: z.string() }),
  })
  .openapi("WebhookTestEvent", {
    description: "Sent by `POST /v1/webhooks/{id}/test`, to that endpoint only",
  });

export type MessageReceivedEvent = z.infer<typeof MessageReceivedEventSchema>;
export type MessageReceivedData = MessageReceivedEvent["data"];
export type WebhookTestEvent = z.infer<typeof WebhookTestEventSchema>;

/** Every event type we send: its body's schema, a summary and an example. */
export const WEBHOOK_EVENTS = {
  "message.received": {
    schema: MessageReceivedEventSchema,
    summary: "A message was stored",
    example: messageReceivedExample,
  },
  "webhook.test": {
    schema: WebhookTestEventSchema,
    summary: "A test event, on request",
    example: webhookTestExample,
  },
} as const;

/** The Standard Webhooks headers of every delivery (standard-webhooks spec/standard-webhooks.md). */
export const WebhookHeadersSchema = z.object({
  "webhook-id": z.string().openapi({
    description: "The delivery id, the same on every retry and replay: the receiver's idempotency key",
    example: "dlv_01JZ8Q4V6E7X2B5N8Q1T4W7Z0C",
  }),
  "webhook-timestamp": z.string().openapi({
    description:
      "Unix seconds when this attempt was signed; refuse ones far from your clock (5 min) against replays",
    example: "1772444467",
  }),
  "webhook-signature": z.string().openapi({
    description: [
      "`v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the endpoint's `whsec_` secret",
      "(the base64 after the prefix). During a rotation's grace period a second, space-separated `v1,` signature is made",
      "with the replaced secret: accept the delivery when any one matches. Any Standard Webhooks library does this.",
    ].join(" "),
    example:
      "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1,3tU5cqOzXvCUQbnTq0p7mE8wV1lH9Rj2aYd6sKfN4Bg=",
  }),
});
