// Helpers for the classifier tests: raw fixtures as they arrive over SMTP, parsed the way the app parses them.
import type { ClassifyInput } from "../../core/classify/kind";
import { parseMessage } from "../../core/messages/parse";

/** A raw message from lines joined with CRLF, as it arrives over SMTP. */
export function rawMessage(lines: string): Uint8Array {
  return new TextEncoder().encode(lines.replace(/\r?\n/g, "\r\n"));
}

/** What the classifier is given for `raw`: the app's parse of it, and the envelope sender. */
export async function classifyInputOf(raw: Uint8Array, envelopeFrom: string): Promise<ClassifyInput> {
  const parsed = await parseMessage(raw);
  if (!parsed.ok) throw new Error(`fixture does not parse: ${parsed.error}`);
  return { ...parsed.content, envelopeFrom };
}
