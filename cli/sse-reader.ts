/**
 * Reads a Server-Sent Events body (WHATWG HTML, "event stream interpretation"):
 * lines up to a blank line make one event; `id`, `event` and `data` fields;
 * lines starting with ':' are comments (heartbeats); CRLF, LF or CR end a line.
 */
export interface SseMessage {
  id: string | undefined;
  event: string;
  /** "" for a block that only sets the id (OmniMail's stream starts with one: where it begins). */
  data: string;
}

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = "";
  let id: string | undefined;
  let idSet = false;
  let event = "";
  let data: string[] = [];
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (;;) {
      const end = buffer.search(/\r\n|\r|\n/);
      if (end < 0) break;
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      if (buffer[end] === "\r" && end === buffer.length - 1) break;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith("\r\n", end) ? 2 : 1));
      if (line === "") {
        if (data.length > 0 || idSet) yield { id, event: event || "message", data: data.join("\n") };
        event = "";
        data = [];
        idSet = false;
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") {
        id = value;
        idSet = true;
      } else if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
  }
}
