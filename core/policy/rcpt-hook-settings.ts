import { commit, type Store } from "../../db/store";
import { InvalidError } from "../errors";
import { getDomain } from "../tenancy/domains";
import { generateWebhookSecret } from "../webhooks/sign";
import { checkWebhookUrl, type UrlGuardOptions } from "../webhooks/url-guard";
import {
  MAX_HOOK_CACHE_SECONDS,
  MAX_HOOK_TIMEOUT_MS,
  ON_TIMEOUT,
  type OnTimeout,
  parseRcptHook,
} from "./rcpt-hook-config";

export interface RcptHookInput {
  url: string;
  timeout_ms?: number | undefined;
  on_timeout?: OnTimeout | undefined;
  cache_seconds?: number | undefined;
}

/**
 * Sets (or with null removes) a domain's RCPT hook. The URL passes the same
 * private-address guard as webhook endpoints. The hook's signing secret is made
 * when a domain first gets a hook and answered then only (`secret`); changing
 * the hook keeps it. Another tenant's domain is NotFound.
 */
export async function setRcptHook(
  store: Store,
  tenantId: string,
  domainId: string,
  input: RcptHookInput | null,
  guard: UrlGuardOptions,
): Promise<{ secret: string | null }> {
  const domain = await getDomain(store.db, tenantId, domainId);
  if (input === null) {
    await commit(store, [
      {
        sql: "UPDATE domains SET rcpt_hook = NULL, rcpt_hook_secret = NULL WHERE tenant_id = ? AND id = ?",
        args: [tenantId, domainId],
      },
    ]);
    return { secret: null };
  }
  await checkWebhookUrl(input.url, guard, "body.rcpt_hook.url");
  const timeoutMs = input.timeout_ms ?? 2000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > MAX_HOOK_TIMEOUT_MS) {
    throw new InvalidError(
      "body.rcpt_hook.timeout_ms",
      `timeout_ms must be a whole number from 100 to ${MAX_HOOK_TIMEOUT_MS}: the sender is waiting on the RCPT reply`,
    );
  }
  const cacheSeconds = input.cache_seconds ?? 0;
  if (!Number.isInteger(cacheSeconds) || cacheSeconds < 0 || cacheSeconds > MAX_HOOK_CACHE_SECONDS) {
    throw new InvalidError(
      "body.rcpt_hook.cache_seconds",
      `cache_seconds must be 0 to ${MAX_HOOK_CACHE_SECONDS}`,
    );
  }
  const onTimeout = input.on_timeout ?? "tempfail";
  if (!ON_TIMEOUT.includes(onTimeout)) {
    throw new InvalidError("body.rcpt_hook.on_timeout", `on_timeout must be one of ${ON_TIMEOUT.join(", ")}`);
  }
  const config = JSON.stringify({ url: input.url, timeoutMs, onTimeout, cacheSeconds });
  const secret = domain.rcptHookSecret ?? generateWebhookSecret();
  await commit(store, [
    {
      sql: "UPDATE domains SET rcpt_hook = ?, rcpt_hook_secret = ? WHERE tenant_id = ? AND id = ?",
      args: [config, secret, tenantId, domainId],
    },
  ]);
  return { secret: domain.rcptHookSecret ? null : secret };
}

/** The hook as the API shows it (never its secret). */
export function rcptHookJson(stored: string | null) {
  const hook = parseRcptHook(stored);
  return hook
    ? {
        url: hook.url,
        timeout_ms: hook.timeoutMs,
        on_timeout: hook.onTimeout,
        cache_seconds: hook.cacheSeconds,
      }
    : null;
}
