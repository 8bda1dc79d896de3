import { newId } from "../ids";
import { webhookHeaders } from "../webhooks/sign";
import type { WebhookTransport } from "../webhooks/transport";
import type { RcptHookConfig } from "./rcpt-hook-config";

/**
 * The RCPT-time hook: for a recipient no rule decided, OmniMail POSTs
 * `{mail_from, rcpt_to, client_ip, helo}` to the tenant's URL, signed per
 * Standard Webhooks with the domain's hook secret, through the same transport
 * (and private-address guard) as webhooks. A 2xx answer `{action: "accept" |
 * "reject", reason?}` decides, and is remembered for `cache_seconds` per
 * (domain, sender, recipient); a timeout, a non-2xx or an answer that is not
 * that JSON follows `on_timeout`, and is not remembered.
 */
export interface HookQuestion {
  domainId: string;
  mailFrom: string;
  rcptTo: string;
  clientIp: string | null;
  helo: string | null;
}

export type HookAnswer =
  | { action: "accept" | "reject"; reason: string | null; cached: boolean }
  | { action: "failed"; detail: string };

export type RcptHookCaller = (
  hook: { config: RcptHookConfig; secret: string },
  question: HookQuestion,
) => Promise<HookAnswer>;

const MAX_CACHED = 10_000;
/** Printable ASCII on one line: the reason goes into the SMTP reply. */
const REPLY_TEXT = /^[\x20-\x7e]{1,200}$/;

export function createRcptHookCaller(deps: {
  transport: WebhookTransport;
  now?: () => number;
}): RcptHookCaller {
  const clock = deps.now ?? Date.now;
  const cache = new Map<string, { action: "accept" | "reject"; reason: string | null; expires: number }>();
  return async (hook, question) => {
    const key = [question.domainId, question.mailFrom.toLowerCase(), question.rcptTo.toLowerCase()].join(
      "\n",
    );
    const hit = cache.get(key);
    if (hit && hit.expires > clock()) return { action: hit.action, reason: hit.reason, cached: true };
    const body = JSON.stringify({
      mail_from: question.mailFrom,
      rcpt_to: question.rcptTo,
      client_ip: question.clientIp,
      helo: question.helo,
    });
    const headers = await webhookHeaders({
      secrets: [hook.secret],
      id: newId("rcptHook"),
      body,
      now: clock(),
    });
    const result = await deps.transport({
      url: hook.config.url,
      headers: { ...headers, "content-type": "application/json" },
      body,
      timeoutMs: hook.config.timeoutMs,
    });
    if (result.kind === "error") return { action: "failed", detail: result.error };
    if (result.status < 200 || result.status > 299)
      return { action: "failed", detail: `HTTP ${result.status}` };
    const answer = parseAnswer(result.body);
    if (!answer) return { action: "failed", detail: 'the answer is not {"action": "accept" | "reject"}' };
    if (hook.config.cacheSeconds > 0) {
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(key, { ...answer, expires: clock() + hook.config.cacheSeconds * 1000 });
    }
    return { ...answer, cached: false };
  };
}

function parseAnswer(text: string): { action: "accept" | "reject"; reason: string | null } | null {
  try {
    const value = JSON.parse(text) as { action?: unknown; reason?: unknown };
    if (value.action !== "accept" && value.action !== "reject") return null;
    const reason = typeof value.reason === "string" && REPLY_TEXT.test(value.reason) ? value.reason : null;
    return { action: value.action, reason };
  } catch {
    return null;
  }
}
