/**
 * A minimal Server-Sent Events reader for tests (the WHATWG framing: fields
 * up to a blank line, comments starting with ':'), over fetch's body stream,
 * so tests see exactly the bytes a browser's EventSource would.
 */
export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

export interface SseConnection {
  status: number;
  /** The next event (comments are counted, not returned); rejects when the stream ends first. */
  next(timeoutMs?: number): Promise<SseEvent>;
  comments: number;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: abort.signal,
  });
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const connection: SseConnection = {
    status: response.status,
    comments: 0,
    close: () => abort.abort(),
    async next(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { id: undefined, event: undefined, data: "" };
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) connection.comments++;
            const colon = line.indexOf(":");
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
            if (field === "id") event.id = value;
            else if (field === "event") event.event = value;
            else if (field === "data") data.push(value);
          }
          if (data.length === 0) continue;
          event.data = data.join("\n");
          return event;
        }
        if (!reader) throw new Error("no body");
        const left = deadline - Date.now();
        if (left <= 0) throw new Error("no event in time");
        const chunk = await Promise.race([
          reader.read(),
          Bun.sleep(left).then(() => ({ done: false, value: undefined, timeout: true }) as const),
        ]);
        if ("timeout" in chunk) throw new Error("no event in time");
        if (chunk.done) throw new Error("the stream ended");
        buffer += decoder.decode(chunk.value, { stream: true });
      }
    },
  };
  return connection;
}
