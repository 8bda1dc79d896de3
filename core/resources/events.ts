import { z } from "@hono/zod-openapi";
import { signMessageLinks } from "../links/signed-links";
import {
  AddressSchema,
  AttachmentSchema,
  AuthResultsSchema,
  DerivedFieldsShape,
  IngressSchema,
} from "./messages";

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
        url: `${MESSAGE_URL}/attachments/att_01JZ8Q4V6D0P2S8G3H6K9M1Q5T?expires=1772448067&sig=Hk9pV2cX7mQ1tR4wY8zB3nF6jL0sD5gA2eU9oI7kT1c`,
        expires_at: "2026-03-02T10:41:07.000Z",
      },
    ],
    size: 67522,
    parse_error: null,
    ingress: "smtp",
    reply_ref: null,
    text_source: "text",
    stripped_text: "Hello,\n\nyour invoice for March is attached.",
    signature: null,
    markdown: "Hello,\n\nyour invoice for March is attached.",
    markdown_truncated: false,
    thread_id: "thr_01JZ8Q4V6C3M9T2K7D5R1N0F4H",
    kind: "automated",
    kind_reasons: ["Auto-Submitted: auto-generated"],
    bounce: null,
    header_anomalies: [],
    codes: [],
    links: [{ url: "https://vendor.example/invoices/2026-031", text: "View invoice" }],
    auth: {
      spf: { result: "pass", domain: "vendor.example" },
      dkim: [{ result: "pass", domain: "vendor.example", selector: "s1", aligned: true }],
      dmarc: { result: "pass", domain: "vendor.example", policy: "reject" },
      arc: { result: "none" },
    },
    url: MESSAGE_URL,
    raw_url: `${MESSAGE_URL}/raw?expires=1772448067&sig=3q2-7wR1v9xK0bYfP4sN8mHc6LdT2aJ5uE1oZ7gQ3iA`,
    expires_at: "2026-03-02T10:41:07.000Z",
    attachments_included: false,
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
      reply_ref: z.string().nullable().openapi({
        description:
          "The `ref` of the reply address (POST /v1/reply-addresses) the message was sent to, or null",
      }),
      ...DerivedFieldsShape,
      markdown_truncated: z.boolean().openapi({
        description:
          "true when `markdown` was cut (at 16 KiB) or left out to fit; the message in the API has all of it",
      }),
      auth: SenderAuthVerdictsSchema.nullable(),
      url: z.string().openapi({ description: "The message in the API (needs an API key)" }),
      raw_url: z.string().openapi({
        description:
          "The stored bytes (`message/rfc822`): a signed link (`?expires=&sig=`) that opens without an API key until `expires_at`, as each attachment `url` does",
      }),
      expires_at: z.string().optional().openapi({
        description:
          "When `raw_url` and the attachment URLs stop opening (OMNIMAIL_SIGNED_URL_TTL_SECONDS after sending)",
      }),
      attachments_included: z.literal(false).openapi({
        description:
          "Always false: the body carries attachment metadata only; fetch the bytes from each `url`",
      }),
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

const MESSAGE_ID_EXAMPLE = { id: MESSAGE_ID, mailbox_id: MAILBOX_ID } as const;

export const MessageDeletedEventSchema = z
  .object({
    type: z.literal("message.deleted"),
    timestamp: Timestamp,
    data: z.object({
      id: z.string(),
      mailbox_id: z.string(),
      deleted_at: z.string(),
      reason: z.enum(["api", "mailbox_deleted", "retention"]).openapi({
        description:
          "`api`: DELETE /v1/messages/{id}; `mailbox_deleted`: its mailbox was deleted; `retention`: the mailbox's retention",
      }),
    }),
  })
  .openapi("MessageDeletedEvent", { description: "A message was deleted, with its bytes and attachments" });

export const MessageUpdatedEventSchema = z
  .object({
    type: z.literal("message.updated"),
    timestamp: Timestamp,
    data: z.object({
      id: z.string(),
      mailbox_id: z.string(),
      seen: z.boolean().openapi({ description: "Read (true) or unread (false), as it is now" }),
      updated_at: z.string(),
    }),
  })
  .openapi("MessageUpdatedEvent", {
    description: "A message was marked read or unread (sent only when that state changed)",
  });

export const EndpointDisabledEventSchema = z
  .object({
    type: z.literal("webhook.endpoint.disabled"),
    timestamp: Timestamp,
    data: z.object({
      endpoint_id: z.string(),
      url: z.string(),
      reason: z
        .string()
        .openapi({ description: "Why: the receiver answered 410 Gone, or it was disabled by hand" }),
      disabled_at: z.string(),
    }),
  })
  .openapi("EndpointDisabledEvent", {
    description:
      "An endpoint stopped receiving deliveries. Sent to the tenant's other endpoints that subscribe to it; mail that arrives meanwhile can be sent to it later with POST /v1/webhooks/{id}/recover",
  });

export type MessageReceivedEvent = z.infer<typeof MessageReceivedEventSchema>;
export type MessageDeletedData = z.infer<typeof MessageDeletedEventSchema>["data"];
export type MessageUpdatedData = z.infer<typeof MessageUpdatedEventSchema>["data"];
export type EndpointDisabledData = z.infer<typeof EndpointDisabledEventSchema>["data"];
export type MessageReceivedData = MessageReceivedEvent["data"];
export type WebhookTestEvent = z.infer<typeof WebhookTestEventSchema>;

/** Every event type we send: its body's schema, a summary and an example. */
export const WEBHOOK_EVENTS = {
  "message.received": {
    schema: MessageReceivedEventSchema,
    summary: "A message was stored",
    example: messageReceivedExample,
  },
  "message.deleted": {
    schema: MessageDeletedEventSchema,
    summary: "A message was deleted",
    example: {
      type: "message.deleted",
      timestamp: "2026-03-02T10:02:11.004Z",
      data: { ...MESSAGE_ID_EXAMPLE, deleted_at: "2026-03-02T10:02:11.004Z", reason: "api" },
    },
  },
  "message.updated": {
    schema: MessageUpdatedEventSchema,
    summary: "A message was marked read or unread",
    example: {
      type: "message.updated",
      timestamp: "2026-03-02T09:58:40.120Z",
      data: { ...MESSAGE_ID_EXAMPLE, seen: true, updated_at: "2026-03-02T09:58:40.120Z" },
    },
  },
  "webhook.endpoint.disabled": {
    schema: EndpointDisabledEventSchema,
    summary: "An endpoint was disabled",
    example: {
      type: "webhook.endpoint.disabled",
      timestamp: "2026-03-02T11:20:00.000Z",
      data: {
        endpoint_id: "wh_01JZ8Q7B2N5K8R1T4W7Y0C3F6H",
        url: "https://hooks.example.com/omnimail",
        reason: "receiver answered 410 Gone",
        disabled_at: "2026-03-02T11:20:00.000Z",
      },
    },
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

/** An event of the log (GET /v1/events): the webhook body's `type` and `data`, with its id and time. */
const logged = <T extends z.ZodObject>(schema: T) =>
  schema.omit({ timestamp: true }).extend({
    id: z.string().openapi({
      description: "`evt_<sequence>`: ids increase in commit order; pass one as `after` to resume after it",
      example: "evt_000000001234",
    }),
    created_at: z.string().openapi({ description: "When the event was committed (ISO 8601)" }),
  });

export const LoggedEventSchema = z
  .discriminatedUnion("type", [
    logged(MessageReceivedEventSchema),
    logged(MessageDeletedEventSchema),
    logged(MessageUpdatedEventSchema),
    logged(EndpointDisabledEventSchema),
  ])
  .openapi("Event", {
    description: "An event of the tenant's log; `data` is exactly the webhook body's `data`",
  });

export const EventPageSchema = z
  .object({
    data: z.array(LoggedEventSchema),
    next_cursor: z.string().nullable().openapi({
      description:
        "The id to pass as `after` next: the last event of this page, or the `after` you sent when the page is empty (null only when there has never been an event)",
    }),
  })
  .openapi("EventPage");

export type LoggedEventJson = z.infer<typeof LoggedEventSchema>;

/**
 * The API JSON of a stored event; `data` goes out as a webhook would carry it
 * now, a message's URLs signed for `ttlSeconds` with the tenant's link key.
 */
export async function toLoggedEventJson(
  event: { id: string; type: string; createdAt: number; data: string },
  links: { linkKey: string | null; ttlSeconds: number },
): Promise<LoggedEventJson> {
  const data = JSON.parse(event.data) as unknown;
  return {
    id: event.id,
    type: event.type,
    created_at: new Date(event.createdAt).toISOString(),
    data: links.linkKey ? await signMessageLinks(data, links.linkKey, links.ttlSeconds) : data,
  } as LoggedEventJson;
}
