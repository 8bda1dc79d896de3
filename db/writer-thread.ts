/// <reference lib="webworker" />
import { createDatabase } from "./client";
import { createGroupCommitWriter } from "./group-commit";
import type { SqlStatement } from "./statements";

/**
 * The database writer thread (Bun Worker). It owns its own connection and
 * group-commits the batches the main thread sends, so commits and fsyncs run
 * on the second core instead of blocking the event loop that serves SMTP.
 * Protocol: `init` once, then `write` messages, each answered by id.
 */
export type WriterRequest =
  | { type: "init"; url: string; authToken?: string | undefined; busyTimeoutMs: number }
  | { type: "write"; id: number; statements: SqlStatement[] };

export type WriterResponse =
  | { type: "ready" }
  | { type: "init-failed"; error: string }
  | { type: "written"; id: number }
  | { type: "failed"; id: number; error: string };

declare const self: Worker;

let writer: ReturnType<typeof createGroupCommitWriter> | null = null;

self.onmessage = async (event: MessageEvent<WriterRequest>) => {
  const request = event.data;
  if (request.type === "init") {
    try {
      const database = await createDatabase({
        url: request.url,
        authToken: request.authToken,
        busyTimeoutMs: request.busyTimeoutMs,
      });
      writer = createGroupCommitWriter(database.client);
      postMessage({ type: "ready" } satisfies WriterResponse);
    } catch (error) {
      postMessage({ type: "init-failed", error: String(error) } satisfies WriterResponse);
    }
    return;
  }
  if (!writer) {
    postMessage({ type: "failed", id: request.id, error: "writer not initialised" } satisfies WriterResponse);
    return;
  }
  writer(request.statements).then(
    () => postMessage({ type: "written", id: request.id } satisfies WriterResponse),
    (error: unknown) =>
      postMessage({ type: "failed", id: request.id, error: String(error) } satisfies WriterResponse),
  );
};
