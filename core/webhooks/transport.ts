import { checkWebhookUrl, type UrlGuardOptions } from "./url-guard";

/** One signed POST to a receiver, and what came of it. */
export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export type WebhookResult =
  | { kind: "response"; status: number; body: string; durationMs: number; retryAfterSeconds: number | null }
  | { kind: "error"; error: string; durationMs: number };

/** Sends one webhook. Runtimes provide their own (Bun pins the checked address; see runtime/). */
export type WebhookTransport = (request: WebhookRequest) => Promise<WebhookResult>;

/** We keep this much of a receiver's answer for the delivery log. */
export const RESPONSE_BODY_LIMIT = 2048;

export const USER_AGENT = "OmniMail-Webhooks/1.0 (+https://www.standardwebhooks.com)";

/** `Retry-After` as seconds (delta or HTTP date), or null. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.round((date - now) / 1000));
}

/**
 * The Web-API transport (Workers, and anywhere no better one exists): fetch
 * with redirects not followed (a 3xx is a failed attempt, so a redirect can
 * never lead us to an internal address), a timeout, and the URL guard first.
 */
export function createFetchTransport(guard: UrlGuardOptions): WebhookTransport {
  return async (request) => {
    const started = Date.now();
    try {
      await checkWebhookUrl(request.url, guard, "url");
    } catch (error) {
      return { kind: "error", error: `blocked: ${(error as Error).message}`, durationMs: 0 };
    }
    try {
      const response = await fetch(request.url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": USER_AGENT, ...request.headers },
        body: request.body,
        redirect: "manual",
        signal: AbortSignal.timeout(request.timeoutMs),
      });
      const body = await readLimited(response, RESPONSE_BODY_LIMIT);
      return {
        kind: "response",
        status: response.status,
        body,
        durationMs: Date.now() - started,
        retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after"), Date.now()),
      };
    } catch (error) {
      const name = (error as Error).name;
      const message =
        name === "TimeoutError" ? `timed out after ${request.timeoutMs} ms` : (error as Error).message;
      return { kind: "error", error: message, durationMs: Date.now() - started };
    }
  };
}

async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes.subarray(0, limit));
}
