import type { SqlStatement } from "../../db/statements";
import type { WriteOutcome } from "../../db/store";

/** Messages between the thread store (main thread) and the writer thread. */
export type WriterRequest =
  | { type: "init"; url: string; authToken?: string | undefined; busyTimeoutMs: number }
  | { type: "write"; id: number; statements: SqlStatement[]; deadline?: number | undefined }
  /** Test hook: the thread dies as a crash would (an uncaught error). */
  | { type: "crash" };

export type WriterResponse =
  | { type: "ready" }
  | { type: "init-failed"; error: string }
  | { type: "outcome"; id: number; outcome: WriteOutcome }
  /** From the checkpoint thread of a file database (checkpoint-thread.ts), passed on. */
  | { type: "checkpoint"; frames: number; error?: string | undefined };
