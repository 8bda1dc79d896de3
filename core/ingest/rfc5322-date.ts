const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `Wed, 25 Nov 2026 14:43:50 +0000` (RFC 5322 §3.3), always in UTC: the date of our trace headers. */
export function formatRfc5322Date(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** Words a client or sender supplied go into a header: printable ASCII, short. */
export function sanitizeHeaderWord(value: string): string {
  return value.replace(/[^\x21-\x7e]/g, "?").slice(0, 255);
}
