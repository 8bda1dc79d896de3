/** The API's JSON shapes, as far as the inbox reads them (see api/schemas.ts). */

export interface Address {
  address: string;
  name: string;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface Mailbox {
  id: string;
  address: string;
  message_count: number;
  unread_count: number;
}

export interface MessageSummary {
  id: string;
  mailbox_id: string;
  received_at: string | null;
  from: Address | null;
  to: Address[];
  cc: Address[];
  subject: string | null;
  date: string | null;
  preview: string | null;
  size: number;
  seen: boolean;
  attachment_count: number;
  parse_error: string | null;
}

export interface Attachment {
  id: string;
  filename: string | null;
  content_type: string;
  disposition: string | null;
  content_id: string | null;
  size: number;
  sha256: string;
}

export interface AuthResults {
  spf: { result: string; domain: string | null };
  dkim: Array<{ result: string; domain: string | null; selector: string | null; aligned: boolean }>;
  dmarc: { result: string; domain: string | null; policy: string | null };
  arc: { result: string };
  header: string;
}

export interface Message extends MessageSummary {
  envelope: {
    mail_from: string;
    rcpt_to: string[];
    remote_ip: string | null;
    helo: string | null;
    tls: { protocol: string | null; cipher: string | null } | null;
  };
  reply_to: Address[];
  message_id: string | null;
  headers: Array<{ name: string; value: string }>;
  text: string | null;
  html: string | null;
  attachments: Attachment[];
  auth: AuthResults | null;
}

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  mailbox_id: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  created_at: string;
  secret?: string;
}

/** `PATCH /v1/webhooks/{id}`: only the fields to change. */
export interface WebhookChanges {
  url?: string;
  mailbox_id?: string | null;
  enabled?: boolean;
}

export interface DeliveryAttempt {
  attempt: number;
  status: number | null;
  error: string | null;
  response_ms: number;
  response_body: string | null;
  created_at: string;
}

export interface Delivery {
  id: string;
  event_type: string;
  message_id: string | null;
  status: "pending" | "delivering" | "delivered" | "failed" | "dead";
  attempts: number;
  next_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  last_response_ms: number | null;
  last_response_body: string | null;
  created_at: string;
  delivered_at: string | null;
  attempt_log: DeliveryAttempt[];
}

/** The list filters the API takes (`GET /v1/mailboxes/{id}/messages`). */
export interface MessageFilters {
  q?: string;
  from?: string;
  to?: string;
  subject?: string;
  since?: string;
  until?: string;
  unread?: boolean;
}
