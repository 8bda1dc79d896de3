/** How the CLI prints: aligned columns for people, one JSON document for scripts (`--json`). */

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
}

export function formatTable<T>(rows: T[], columns: Column<T>[]): string {
  if (rows.length === 0) return "(none)";
  const cells = rows.map((row) => columns.map((column) => String(column.value(row) ?? "-")));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => (line[i] ?? "").length)),
  );
  const render = (line: string[]) =>
    line
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [render(columns.map((column) => column.header)), ...cells.map(render)].join("\n");
}

export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/**
 * Mail text is the sender's: control characters (ESC starts terminal escape
 * sequences that can rewrite the screen or the title) are shown as U+FFFD, tabs
 * as spaces unless `keepNewlines` (a body), and a long value is cut to `max` characters.
 */
export function printable(text: string, max = Number.POSITIVE_INFINITY, keepNewlines = false): string {
  let clean = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === "\t") clean += keepNewlines ? char : " ";
    else if (keepNewlines && char === "\n") clean += char;
    else if (keepNewlines && char === "\r") continue;
    else clean += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? "\ufffd" : char;
  }
  return clean.length > max ? `${clean.slice(0, Math.max(0, max - 1))}…` : clean;
}

/** The parts of a message `messages show` prints (the API's message JSON). */
export interface PrintableMessage {
  id: string;
  mailbox_id: string;
  received_at: string | null;
  envelope: { mail_from: string; rcpt_to: string[]; remote_ip: string | null; helo: string | null };
  headers: Array<{ name: string; value: string }>;
  text: string | null;
  html: string | null;
  attachments: Array<{
    id: string;
    filename: string | null;
    content_type: string;
    size: number;
  }>;
  seen: boolean;
  parse_error: string | null;
}

/** A message for people: what we know of it, its headers as parsed, then the text body. */
export function formatMessage(message: PrintableMessage): string {
  const envelope = message.envelope;
  const facts: Array<[string, string]> = [
    ["ID", message.id],
    ["MAILBOX", message.mailbox_id],
    ["RECEIVED", message.received_at ?? "-"],
    [
      "ENVELOPE",
      printable(
        `from <${envelope.mail_from}> to ${envelope.rcpt_to.join(", ")}` +
          (envelope.remote_ip
            ? ` (${envelope.remote_ip}${envelope.helo ? `, helo ${envelope.helo}` : ""})`
            : ""),
      ),
    ],
    ["SEEN", message.seen ? "yes" : "no"],
    ...message.attachments.map((attachment): [string, string] => [
      "ATTACHMENT",
      printable(
        `${attachment.id} ${attachment.filename ?? "(no name)"} (${attachment.content_type}, ${attachment.size} bytes)`,
      ),
    ]),
    ...(message.parse_error ? [["PARSE ERROR", printable(message.parse_error)] as [string, string]] : []),
  ];
  const width = Math.max(...facts.map(([label]) => label.length));
  const body =
    message.text !== null
      ? printable(message.text, Number.POSITIVE_INFINITY, true)
      : message.html !== null
        ? "(no text part: the HTML is in --json, the whole message in `messages raw`)"
        : "(no body)";
  return [
    ...facts.map(([label, value]) => `${label.padEnd(width)}  ${value}`),
    "",
    ...message.headers.map((header) => `${printable(header.name)}: ${printable(header.value)}`),
    "",
    body.replace(/\n+$/, ""),
  ].join("\n");
}
