import { z } from "@hono/zod-openapi";
import { iso } from "../messages/serialize";
import type { Mailbox } from "../tenancy/mailboxes";

/** A mailbox as the API, the CLI and the inbox show it: its schema (for /openapi.json) beside its serializer. */

export const MailboxSchema = z
  .object({
    id: z.string(),
    address: z.string().openapi({ example: "*@acme.test" }),
    domain_id: z.string(),
    created_at: z.string(),
    message_count: z.number().int(),
    unread_count: z.number().int(),
    retention_days: z.number().int().nullable().openapi({
      description: "Mail older than this many days is deleted (with message.deleted events); null: kept",
    }),
  })
  .openapi("Mailbox");

export type MailboxJson = z.infer<typeof MailboxSchema>;

export function toMailboxJson(mailbox: Mailbox): MailboxJson {
  return {
    id: mailbox.id,
    address: mailbox.address,
    domain_id: mailbox.domainId,
    created_at: iso(mailbox.createdAt) ?? "",
    message_count: mailbox.messageCount,
    unread_count: mailbox.unreadCount,
    retention_days: mailbox.retentionDays,
  };
}
