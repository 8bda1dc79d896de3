import { z } from "@hono/zod-openapi";
import { asIngress, INGRESSES } from "../ingest/inbound-message";
import { type DerivedFields, markdownOf, strippedTextOf } from "../messages/analyze";
import type { SenderAuthResults } from "../messages/auth";
import type { MailAddress } from "../messages/parse";
import type { MessageRow, MessageSummaryRow } from "../messages/read";
import { iso, type Links, messageUrl, parseJson, toAttachmentJson } from "../messages/serialize";

/**
 * Messages as the API and the inbox show them: the schemas (for /openapi.json)
 * and the serializers, typed by those schemas, so a serializer that drifts from
 * its schema does not compile. The pieces webhook payloads share (attachment
 * JSON, URLs, dates) are in core/messages/serialize.ts.
 */

/** How the message reached OmniMail: the SMTP edge, or Cloudflare Email Routing's Worker. */
export const IngressSchema = z.enum(INGRESSES).openapi("Ingress");

export const AddressSchema = z.object({ address: z.string(), name: z.string() }).openapi("Address");

const ReplyRef = z.string().nullable().openapi({
  description: "The `ref` of the reply address (POST /v1/reply-addresses) the message was sent to, or null",
  example: "ticket-4711",
});

export const KINDS = ["human", "auto_reply", "bounce", "list", "automated"] as const;

const Kind = z.enum(KINDS).nullable().openapi({
  description:
    "human, auto_reply (RFC 3834, vacation replies), bounce (RFC 3464 and the common non-standard ones), list, automated; null for mail stored before this was computed (see `messages reparse`)",
});
const ThreadId = z.string().nullable().openapi({
  description:
    "The conversation: GET /v1/threads/{id}. By References/In-Reply-To, else subject and participants",
});

/** The fields derived from the body (core/messages/analyze.ts), shared by the message JSON and webhooks. */
export const DerivedFieldsShape = {
  text_source: z.enum(["text", "html"]).nullable().openapi({
    description: "`html` when the message has only an HTML part and `text` was rendered from it",
  }),
  stripped_text: z.string().nullable().openapi({
    description:
      "The new text of a reply, without the quoted history and the signature; `text` when there is nothing to strip",
  }),
  signature: z.string().nullable().openapi({ description: "The signature block, when one was found" }),
  markdown: z.string().nullable().openapi({
    description:
      "The body as Markdown (from HTML when present), without tracking pixels, hidden elements and layout tables",
  }),
  thread_id: ThreadId,
  kind: Kind,
  kind_reasons: z.array(z.string()).openapi({
    description: "The headers or parts that decided `kind`",
    example: ["Auto-Submitted: auto-replied"],
  }),
  bounce: z
    .array(
      z.object({
        action: z.string().nullable(),
        status: z.string().nullable(),
        final_recipient: z.string().nullable(),
        diagnostic_code: z.string().nullable(),
        remote_mta: z.string().nullable(),
        original_message_id: z.string().nullable(),
      }),
    )
    .nullable()
    .openapi({ description: "For a bounce: one entry per failed recipient" }),
  header_anomalies: z.array(z.string()).openapi({
    description:
      "What is odd about the header fields: duplicate_from, duplicate_subject, duplicate_date, duplicate_message_id, duplicate_to, encoded_word_address, missing_from, missing_date, missing_message_id. With two From fields, `from` is the first, the one DMARC evaluates",
    example: ["duplicate_from"],
  }),
  codes: z
    .array(z.object({ value: z.string(), context: z.string() }))
    .openapi({ description: "One-time codes found in the subject and body, with the sentence around each" }),
  links: z
    .array(z.object({ url: z.string(), text: z.string() }))
    .openapi({ description: "Links from anchors and bare URLs, de-duplicated, in document order" }),
};

const Quarantined = z.boolean().openapi({
  description: "Held by a quarantine rule: not announced, listed only with ?quarantined=true, until released",
});

export const MessageSummarySchema = z
  .object({
    id: z.string(),
    mailbox_id: z.string(),
    received_at: z.string().nullable(),
    from: AddressSchema.nullable(),
    to: z.array(AddressSchema),
    cc: z.array(AddressSchema),
    subject: z.string().nullable(),
    date: z.string().nullable(),
    message_id: z.string().nullable(),
    preview: z.string().nullable(),
    size: z.number().int(),
    seen: z.boolean(),
    attachment_count: z.number().int(),
    parse_error: z.string().nullable(),
    ingress: IngressSchema,
    reply_ref: ReplyRef,
    quarantined: Quarantined,
    kind: Kind,
    thread_id: ThreadId,
    url: z.string(),
  })
  .openapi("MessageSummary");

export const AttachmentSchema = z
  .object({
    id: z.string(),
    filename: z.string().nullable(),
    content_type: z.string(),
    disposition: z.string().nullable(),
    content_id: z.string().nullable(),
    size: z.number().int(),
    sha256: z.string(),
    url: z.string(),
    expires_at: z.string().optional().openapi({
      description:
        "Present when `url` is a signed link (webhooks, events, `?signed_urls=1`): it opens without a key until then",
    }),
  })
  .openapi("Attachment");

const Verdict = z.string().openapi({
  example: "pass",
  description: "pass, fail, softfail, neutral, none, temperror, permerror, policy",
});

export const AuthResultsSchema = z
  .object({
    spf: z.object({ result: Verdict, domain: z.string().nullable() }),
    dkim: z.array(
      z.object({
        result: Verdict,
        domain: z.string().nullable(),
        selector: z.string().nullable(),
        aligned: z.boolean(),
      }),
    ),
    dmarc: z.object({ result: Verdict, domain: z.string().nullable(), policy: z.string().nullable() }),
    arc: z.object({ result: Verdict }),
    header: z
      .string()
      .openapi({ description: "The Authentication-Results header text, as a receiving MTA would add it" }),
  })
  .openapi("SenderAuthentication", {
    description: "SPF, DKIM, DMARC and ARC results (null when not checked)",
  });

export const MessageSchema = z
  .object({
    id: z.string(),
    mailbox_id: z.string(),
    received_at: z.string().nullable(),
    envelope: z.object({
      mail_from: z.string(),
      rcpt_to: z.array(z.string()),
      remote_ip: z.string().nullable(),
      helo: z.string().nullable(),
      tls: z.object({ protocol: z.string().nullable(), cipher: z.string().nullable() }).nullable(),
    }),
    from: AddressSchema.nullable(),
    to: z.array(AddressSchema),
    cc: z.array(AddressSchema),
    reply_to: z.array(AddressSchema),
    subject: z.string().nullable(),
    date: z.string().nullable(),
    message_id: z.string().nullable(),
    in_reply_to: z.string().nullable(),
    references: z.array(z.string()),
    headers: z.array(z.object({ name: z.string(), value: z.string() })),
    text: z.string().nullable(),
    html: z.string().nullable(),
    attachments: z.array(AttachmentSchema),
    size: z.number().int(),
    seen: z.boolean(),
    parse_error: z.string().nullable(),
    ingress: IngressSchema,
    reply_ref: ReplyRef,
    quarantined: Quarantined,
    ...DerivedFieldsShape,
    auth: AuthResultsSchema.nullable(),
    raw_url: z.string(),
    expires_at: z.string().optional().openapi({
      description:
        "With `?signed_urls=1`: `raw_url` and the attachment URLs are signed links that open without a key until then",
    }),
  })
  .openapi("Message");

export type AddressJson = z.infer<typeof AddressSchema>;
export type MessageSummaryJson = z.infer<typeof MessageSummarySchema>;
export type AttachmentJson = z.infer<typeof AttachmentSchema>;
export type AuthResultsJson = z.infer<typeof AuthResultsSchema>;
export type MessageJson = z.infer<typeof MessageSchema>;

export type { Links };

export function toMessageSummaryJson(row: MessageSummaryRow, links: Links): MessageSummaryJson {
  return {
    id: row.id,
    mailbox_id: row.mailboxId,
    received_at: iso(row.receivedAt),
    from: row.fromAddress === null ? null : { address: row.fromAddress, name: row.fromName ?? "" },
    to: parseJson<MailAddress[]>(row.to, []),
    cc: parseJson<MailAddress[]>(row.cc, []),
    subject: row.subject,
    date: row.date,
    message_id: row.messageIdHeader,
    preview: row.preview,
    size: row.size,
    seen: row.seen,
    attachment_count: row.attachmentCount,
    parse_error: row.parseError,
    ingress: asIngress(row.ingress),
    reply_ref: row.replyRef,
    quarantined: row.quarantined,
    kind: kindOf(row.kind),
    thread_id: row.threadId,
    url: messageUrl(links, row.id),
  };
}

export function toMessageJson(row: MessageRow, links: Links): MessageJson {
  const url = messageUrl(links, row.id);
  return {
    id: row.id,
    mailbox_id: row.mailboxId,
    received_at: iso(row.receivedAt),
    envelope: {
      mail_from: row.envelopeFrom,
      rcpt_to: parseJson<string[]>(row.envelopeTo, []),
      remote_ip: row.remoteIp,
      helo: row.helo,
      tls: parseJson<{ protocol: string | null; cipher: string | null } | null>(row.tls, null),
    },
    from: row.fromAddress === null ? null : { address: row.fromAddress, name: row.fromName ?? "" },
    to: parseJson<MailAddress[]>(row.to, []),
    cc: parseJson<MailAddress[]>(row.cc, []),
    reply_to: parseJson<MailAddress[]>(row.replyTo, []),
    subject: row.subject,
    date: row.date,
    message_id: row.messageIdHeader,
    in_reply_to: row.inReplyTo,
    references: parseJson<string[]>(row.references, []),
    headers: parseJson<Array<{ name: string; value: string }>>(row.headers, []),
    text: row.text,
    html: row.html,
    attachments: row.attachments.map((attachment) => toAttachmentJson(attachment, url)),
    size: row.size,
    seen: row.seen,
    parse_error: row.parseError,
    ingress: asIngress(row.ingress),
    reply_ref: row.replyRef,
    quarantined: row.quarantined,
    ...derivedJson(row),
    auth: parseJson<SenderAuthResults | null>(row.auth, null),
    raw_url: `${url}/raw`,
  };
}

function kindOf(value: string | null): (typeof KINDS)[number] | null {
  return (KINDS as readonly string[]).includes(value ?? "") ? (value as (typeof KINDS)[number]) : null;
}

/** The derived fields of a stored message (`messages.derived`, `text_source`, `kind`, `thread_id`). */
function derivedJson(row: MessageRow) {
  const derived = parseJson<Partial<DerivedFields>>(row.derived, {});
  return {
    text_source: row.textSource === "text" || row.textSource === "html" ? row.textSource : null,
    stripped_text: strippedTextOf(derived.stripped_text ?? null, row.text),
    signature: derived.signature ?? null,
    markdown: markdownOf(derived.markdown ?? null, row.text, row.textSource),
    thread_id: row.threadId,
    kind: kindOf(row.kind),
    kind_reasons: derived.kind_reasons ?? [],
    bounce: derived.bounce ?? null,
    header_anomalies: derived.header_anomalies ?? [],
    codes: derived.codes ?? [],
    links: derived.links ?? [],
  } as const;
}
