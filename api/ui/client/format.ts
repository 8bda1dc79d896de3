import type { Address } from "./types";

export function formatAddress(address: Address | null): string {
  if (!address) return "(no sender)";
  return address.name ? `${address.name} <${address.address}>` : address.address;
}

export function displayName(address: Address | null): string {
  if (!address) return "(no sender)";
  return address.name || address.address;
}

export function formatAddresses(list: Address[]): string {
  return list.map(formatAddress).join(", ");
}

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayMonth = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const toTheSecond = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** Today: 14:05; this year: 3 Mar; older: 3 Mar 2024. */
export function shortDate(iso: string | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  const now = new Date();
  if (date.toDateString() === now.toDateString()) return timeOnly.format(date);
  if (date.getFullYear() === now.getFullYear()) return dayMonth.format(date);
  return full.format(date).split(",")[0] ?? "";
}

export function longDate(iso: string | null): string {
  return iso ? full.format(new Date(iso)) : "";
}

/** To the second, for the rejection ledger: refusals come in bursts. */
export function exactTime(iso: string): string {
  return toTheSecond.format(new Date(iso));
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `2 min ago`-style, for the webhook log. */
export function ago(iso: string | null): string {
  if (!iso) return "";
  const seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return longDate(iso);
}
