/// <reference lib="webworker" />
import { sha256Hex, useCryptoProvider } from "../../core/crypto";
import { analyzeBody, classifyKind } from "../../core/messages/analyze";
import { type ParseResult, parseMessage } from "../../core/messages/parse";
import { bunCrypto } from "../../runtime/bun-crypto";
import { collectAfterLarge } from "./collect-after-large";
import type { CheckRequest, CheckResponse } from "./protocol";

/**
 * A parse thread (a Bun Worker): hashes the bytes and runs postal-mime for one message at a time,
 * off the event loop that serves every SMTP session and the API. postal-mime
 * never yields while it parses (a 20 MB message of two million empty parts
 * took 17 s), so the main thread bounds each parse by time and ends this
 * thread when one runs over (thread-pool.ts).
 */
declare const self: Worker;

// This thread's hashing (the raw bytes, each attachment) through Bun's hasher, which reads shared memory in
// place: Web Crypto's digest holds a copy of what it hashes (an 18 MB attachment held twice).
useCryptoProvider(bunCrypto);

self.onmessage = async (event: MessageEvent<CheckRequest>) => {
  const request = event.data;
  if (request.type === "ping") return postMessage({ type: "pong", id: request.id } satisfies CheckResponse);
  if (request.type !== "parse") return;
  // Hashed here, off the main thread.
  const rawSha256 = await sha256Hex(request.raw);
  const result = await parseMessage(request.raw);
  // The body's analysis and the kind of mail too, off the event loop and inside the same time bound.
  if (result.ok) {
    result.analysis = orUndefined(() => analyzeBody(result.content));
    result.kind = orUndefined(() => classifyKind(result.content, request.envelopeFrom));
  }
  postMessage({ type: "parsed", id: request.id, result, rawSha256 } satisfies CheckResponse, {
    transfer: attachmentBuffers(result),
  });
  collectAfterLarge(request.raw.byteLength);
};

/** A step that throws (a bug, never the sender's fault) leaves it to the ingest path to try again. */
function orUndefined<T>(step: () => T): T | undefined {
  try {
    return step();
  } catch {
    return undefined;
  }
}

/** The attachments' bytes move to the main thread instead of being copied (each buffer once). */
function attachmentBuffers(result: ParseResult): ArrayBuffer[] {
  if (!result.ok) return [];
  const buffers = new Set<ArrayBuffer>();
  for (const attachment of result.content.attachments) {
    const { buffer } = attachment.content;
    if (buffer instanceof ArrayBuffer) buffers.add(buffer);
  }
  return [...buffers];
}
