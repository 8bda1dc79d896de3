/**
 * A domain's RCPT-time hook (PATCH /v1/domains/{id} {rcpt_hook}), as stored in
 * `domains.rcpt_hook` (JSON). The call itself is core/policy/rcpt-hook.ts.
 */
export const ON_TIMEOUT = ["tempfail", "accept", "reject"] as const;
export type OnTimeout = (typeof ON_TIMEOUT)[number];

export interface RcptHookConfig {
  url: string;
  timeoutMs: number;
  onTimeout: OnTimeout;
  cacheSeconds: number;
}

export const MAX_HOOK_TIMEOUT_MS = 5000;
export const MAX_HOOK_CACHE_SECONDS = 86_400;

export function parseRcptHook(value: unknown): RcptHookConfig | null {
  if (typeof value !== "string" || value === "") return null;
  try {
    const parsed = JSON.parse(value) as Partial<RcptHookConfig>;
    if (typeof parsed.url !== "string") return null;
    return {
      url: parsed.url,
      timeoutMs: Math.min(MAX_HOOK_TIMEOUT_MS, Number(parsed.timeoutMs) || 2000),
      onTimeout: ON_TIMEOUT.includes(parsed.onTimeout as OnTimeout)
        ? (parsed.onTimeout as OnTimeout)
        : "tempfail",
      cacheSeconds: Math.max(0, Math.min(MAX_HOOK_CACHE_SECONDS, Number(parsed.cacheSeconds) || 0)),
    };
  } catch {
    return null;
  }
}
