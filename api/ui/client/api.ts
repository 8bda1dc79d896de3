import { readApiKey } from "./session";
import type {
  CreateRuleBody,
  Delivery,
  Mailbox,
  Message,
  MessageFilters,
  MessageSummary,
  Page,
  Rejection,
  RejectionFilters,
  Rule,
  RuleTestBody,
  RuleTestResult,
  Webhook,
  WebhookChanges,
} from "./types";

/** One field at fault in a problem+json answer, e.g. `{location: "body.url", message: "must use http or https"}`. */
export interface FieldProblem {
  location: string;
  message: string;
}

/** A problem+json answer (or a network failure) as an Error with the API's words. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: readonly FieldProblem[] = [],
  ) {
    super(message);
  }
}

let onUnauthorized: () => void = () => {};

/** Called when the API answers 401: the key was revoked or mistyped. */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

/** Same-origin fetch with the bearer header; the key never goes into a URL. */
export async function request(path: string, init: RequestInit = {}, key = readApiKey()): Promise<Response> {
  const headers = new Headers(init.headers);
  if (key) headers.set("Authorization", `Bearer ${key}`);
  if (init.body) headers.set("Content-Type", "application/json");
  const response = await fetch(path, { ...init, headers, credentials: "omit", cache: "no-store" });
  if (response.ok) return response;
  if (response.status === 401) onUnauthorized();
  throw await toProblem(response);
}

async function toProblem(response: Response): Promise<ApiProblem> {
  try {
    const body = (await response.json()) as { title?: string; detail?: string; errors?: unknown };
    return new ApiProblem(
      response.status,
      body.detail ?? body.title ?? response.statusText,
      fieldProblems(body.errors),
    );
  } catch {
    return new ApiProblem(response.status, `${response.status} ${response.statusText}`);
  }
}

function fieldProblems(errors: unknown): FieldProblem[] {
  if (!Array.isArray(errors)) return [];
  return errors.filter(
    (error): error is FieldProblem =>
      typeof error === "object" &&
      error !== null &&
      typeof (error as FieldProblem).location === "string" &&
      typeof (error as FieldProblem).message === "string",
  );
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  return (await (await request(path, init)).json()) as T;
}

const enc = encodeURIComponent;

function messageQuery(filters: MessageFilters, cursor: string | null): string {
  const params = new URLSearchParams({ limit: "50" });
  for (const name of ["q", "from", "to", "subject"] as const) {
    const value = filters[name]?.trim();
    if (value) params.set(name, value);
  }
  // Dates from <input type="date"> are whole days in the reader's time zone.
  if (filters.since) params.set("since", new Date(`${filters.since}T00:00:00`).toISOString());
  if (filters.until) params.set("until", new Date(`${filters.until}T23:59:59.999`).toISOString());
  if (filters.unread) params.set("unread", "true");
  if (filters.quarantined) params.set("quarantined", "true");
  if (cursor) params.set("cursor", cursor);
  return params.toString();
}

function pageQuery(limit: number, cursor: string | null, extra: Record<string, string | undefined> = {}) {
  const params = new URLSearchParams({ limit: String(limit) });
  for (const [name, value] of Object.entries(extra)) if (value) params.set(name, value);
  if (cursor) params.set("cursor", cursor);
  return params.toString();
}

export const api = {
  /** Checks a key before it is kept. */
  verifyKey: (key: string) => request("/v1/mailboxes?limit=1", {}, key),
  mailboxes: () => json<Page<Mailbox>>("/v1/mailboxes?limit=100"),
  messages: (mailboxId: string, filters: MessageFilters, cursor: string | null) =>
    json<Page<MessageSummary>>(`/v1/mailboxes/${enc(mailboxId)}/messages?${messageQuery(filters, cursor)}`),
  /** Long poll: the messages stored after `after`, or null when `timeout` seconds pass first. */
  async waitForMessages(mailboxId: string, after: string | null, signal: AbortSignal) {
    const params = new URLSearchParams({ timeout: "25" });
    if (after) params.set("after", after);
    const response = await request(`/v1/mailboxes/${enc(mailboxId)}/messages/wait?${params}`, { signal });
    if (response.status === 204) return null;
    return ((await response.json()) as Page<MessageSummary>).data;
  },
  message: (id: string) => json<Message>(`/v1/messages/${enc(id)}`),
  setSeen: (id: string, seen: boolean) =>
    json<Message>(`/v1/messages/${enc(id)}`, { method: "PATCH", body: JSON.stringify({ seen }) }),
  /** `keepalive`: the request outlives the page (sent while it is being closed). */
  deleteMessage: (id: string, keepalive = false) =>
    request(`/v1/messages/${enc(id)}`, { method: "DELETE", keepalive }),
  /** A message a quarantine rule held becomes ordinary mail: listed, and announced to webhooks. */
  releaseMessage: (id: string) => json<Message>(`/v1/messages/${enc(id)}/release`, { method: "POST" }),
  raw: async (id: string) => (await request(`/v1/messages/${enc(id)}/raw`)).blob(),
  attachment: async (messageId: string, attachmentId: string) =>
    (await request(`/v1/messages/${enc(messageId)}/attachments/${enc(attachmentId)}`)).blob(),
  webhooks: () => json<Page<Webhook>>("/v1/webhooks?limit=100"),
  createWebhook: (url: string) =>
    json<Webhook>("/v1/webhooks", { method: "POST", body: JSON.stringify({ url }) }),
  updateWebhook: (id: string, changes: WebhookChanges) =>
    json<Webhook>(`/v1/webhooks/${enc(id)}`, { method: "PATCH", body: JSON.stringify(changes) }),
  deleteWebhook: (id: string) => request(`/v1/webhooks/${enc(id)}`, { method: "DELETE" }),
  /** The answer carries the new `secret`: the only time it is shown. */
  rotateSecret: (id: string) => json<Webhook>(`/v1/webhooks/${enc(id)}/rotate-secret`, { method: "POST" }),
  deliveries: (webhookId: string) =>
    json<Page<Delivery>>(`/v1/webhooks/${enc(webhookId)}/deliveries?limit=50`),
  sendTestEvent: (webhookId: string) =>
    json<{ delivery_id: string }>(`/v1/webhooks/${enc(webhookId)}/test`, { method: "POST" }),
  replay: (webhookId: string, deliveryId: string) =>
    json<{ delivery_id: string }>(`/v1/webhooks/${enc(webhookId)}/deliveries/${enc(deliveryId)}/retry`, {
      method: "POST",
    }),
  /** A page of the rules, in the order they are evaluated. */
  rules: (cursor: string | null) => json<Page<Rule>>(`/v1/rules?${pageQuery(100, cursor)}`),
  createRule: (body: CreateRuleBody) =>
    json<Rule>("/v1/rules", { method: "POST", body: JSON.stringify(body) }),
  deleteRule: (id: string) => request(`/v1/rules/${enc(id)}`, { method: "DELETE" }),
  /** What RCPT TO would answer, with the rule that decided: nothing is sent. */
  testRules: (body: RuleTestBody) =>
    json<RuleTestResult>("/v1/rules/test", { method: "POST", body: JSON.stringify(body) }),
  /** A page of the rejection ledger, newest first. */
  rejections: (filters: RejectionFilters, cursor: string | null) =>
    json<Page<Rejection>>(`/v1/rejections?${pageQuery(50, cursor, { reason: filters.reason })}`),
};
