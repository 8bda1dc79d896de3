/**
 * The API key lives in this tab's sessionStorage only: never in a URL, a cookie
 * or localStorage, and it is gone when the tab closes or on sign out.
 */
const KEY = "omnimail.apiKey";

export function readApiKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeApiKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function forgetApiKey(): void {
  sessionStorage.removeItem(KEY);
}
