import type { Client } from "@libsql/client";
import type { SqlStatement } from "../../db/statements";
import { failedOutcome, toStatementResult, type WriteOutcome } from "../../db/store";

/**
 * Group commit: batches that arrive while a commit is running are committed
 * together in the next transaction, so N concurrent messages cost one fsync
 * instead of N (synchronous=FULL makes each fsync the price of a commit). Each
 * caller is answered only after the transaction holding its statements has
 * committed or rolled back. If a group fails, it is committed again with a
 * savepoint per batch, so one bad batch fails alone and cannot fail the others.
 *
 * Deadlines: a batch whose deadline has passed when its group is formed is
 * dropped and answered `expired` — it never started, so it never will commit.
 * A batch taken into a group is always carried to its true outcome.
 */
export interface GroupCommitStats {
  commits: number;
  batches: number;
  expired: number;
}

export interface GroupCommitBatch {
  statements: SqlStatement[];
  deadline?: number | undefined;
}

interface Entry extends GroupCommitBatch {
  answer: (outcome: WriteOutcome) => void;
}

export function createGroupCommitWriter(
  client: Pick<Client, "batch" | "transaction">,
  options: {
    maxStatementsPerCommit?: number;
    /**
     * A group stops growing past this many bytes of arguments (the first batch
     * always goes). A remote database takes a commit as one HTTP request, and
     * servers refuse big ones (the Hrana test server at 1 MiB: a group of 100
     * concurrent 5 KB messages reached 2.6 MB and was refused, then retried one
     * batch at a time). Default: no bound (a file database).
     */
    maxBytesPerCommit?: number;
    /**
     * Groups committing at once (default 1). A remote database spends most of a
     * commit on the network, so a second group can travel while the first is
     * answered: the server still runs one writer at a time.
     */
    concurrency?: number;
    /**
     * A group with more than `aboveBytes` of arguments (as `maxBytesPerCommit`
     * counts them) is committed one statement at a time in one transaction:
     * - remote: a commit is one request, and servers refuse big ones, so a
     *   message of a few MB could never be stored; in steps each request holds
     *   one statement (a blob is bound in chunks, core/messages/blobs.ts). The
     *   other lanes wait meanwhile: the transaction holds the server's write lock.
     * - local: the client's statements keep a copy of the blobs bound to them
     *   until they are collected and their finalizers have run (on a later turn
     *   of the event loop): one batch holding a 25 MB message held about 45 MB
     *   of such copies at its end. `collectGarbage` runs after each
     *   `everyBytes` of blobs, and once at the end.
     */
    inSteps?:
      | {
          aboveBytes: number;
          collectGarbage?: { everyBytes: number; collect: () => Promise<void> } | undefined;
        }
      | undefined;
    now?: () => number;
  } = {},
) {
  const lanes = Math.max(1, options.concurrency ?? 1);
  const maxStatements = options.maxStatementsPerCommit ?? 5000;
  const maxBytes = options.maxBytesPerCommit ?? Number.POSITIVE_INFINITY;
  const now = options.now ?? Date.now;
  const queue: Entry[] = [];
  const stats: GroupCommitStats = { commits: 0, batches: 0, expired: 0 };
  const running = new Set<Promise<void>>();

  /**
   * The group failed: commit it again in one transaction with a savepoint per
   * batch, so the batches that fail roll back alone and the rest still commit.
   */
  const commitIsolated = async (group: Entry[]) => {
    const outcomes: WriteOutcome[] = [];
    try {
      const tx = await client.transaction("write");
      try {
        for (const entry of group) {
          await tx.execute("SAVEPOINT batch");
          try {
            const results = await tx.batch(entry.statements);
            await tx.execute("RELEASE batch");
            outcomes.push({ status: "committed", results: results.map(toStatementResult) });
          } catch (error) {
            await tx.execute("ROLLBACK TO batch");
            await tx.execute("RELEASE batch");
            outcomes.push(failedOutcome(error));
          }
        }
        await tx.commit();
        stats.commits++;
      } finally {
        tx.close();
      }
    } catch (error) {
      // The transaction itself failed (BEGIN or COMMIT): nothing of the group committed.
      const failed = failedOutcome(error);
      for (const entry of group) entry.answer(failed);
      return;
    }
    group.forEach((entry, index) => {
      const outcome = outcomes[index] ?? failedOutcome(new Error("no outcome recorded"));
      if (outcome.status === "committed") stats.batches++;
      entry.answer(outcome);
    });
  };

  /** Commits in progress, and a group in steps that waits for them to end (the other lanes wait for it). */
  let committing = 0;
  const whenNoCommits: Array<() => void> = [];
  let exclusive: Promise<void> | null = null;
  const noCommits = () =>
    new Promise<void>((resolve) => (committing === 0 ? resolve() : whenNoCommits.push(resolve)));
  const committed = () => {
    committing--;
    if (committing === 0) for (const resolve of whenNoCommits.splice(0)) resolve();
  };

  /** A group with many argument bytes, one statement at a time in one transaction (see `inSteps`). */
  const commitInSteps = async (group: Entry[], steps: NonNullable<typeof options.inSteps>) => {
    while (exclusive) await exclusive;
    let release: () => void = () => {};
    exclusive = new Promise<void>((resolve) => (release = resolve));
    try {
      await noCommits();
      const collector = steps.collectGarbage;
      const tx = await client.transaction("write");
      const outcomes: WriteOutcome[] = [];
      try {
        let sinceCollect = 0;
        for (const entry of group) {
          const results = [];
          for (const statement of entry.statements) {
            results.push(toStatementResult(await tx.execute(statement)));
            sinceCollect += blobBytes([statement]);
            if (collector && sinceCollect >= collector.everyBytes) {
              await collector.collect();
              sinceCollect = 0;
            }
          }
          outcomes.push({ status: "committed", results });
        }
        await tx.commit();
      } finally {
        tx.close();
      }
      await collector?.collect();
      stats.commits++;
      stats.batches += group.length;
      for (const [index, entry] of group.entries()) entry.answer(outcomes[index] as WriteOutcome);
    } finally {
      exclusive = null;
      release();
    }
  };

  /** The next group: every queued batch that fits, minus those whose deadline has passed. */
  const takeGroup = () => {
    const group: Entry[] = [];
    let size = 0;
    let bytes = 0;
    const at = now();
    while (queue.length > 0) {
      const next = queue[0];
      if (!next) break;
      const nextBytes = argumentBytes(next.statements);
      if (group.length > 0 && (size + next.statements.length > maxStatements || bytes + nextBytes > maxBytes))
        break;
      queue.shift();
      if (next.deadline !== undefined && at > next.deadline) {
        stats.expired++;
        next.answer({ status: "expired" });
        continue;
      }
      group.push(next);
      size += next.statements.length;
      bytes += nextBytes;
    }
    return group;
  };

  const drain = async () => {
    while (queue.length > 0) {
      while (exclusive) await exclusive;
      const group = takeGroup();
      if (group.length === 0) continue;
      try {
        const steps = options.inSteps;
        if (steps && argumentBytes(group.flatMap((entry) => entry.statements)) > steps.aboveBytes) {
          await commitInSteps(group, steps);
        } else {
          committing++;
          let results: Awaited<ReturnType<typeof client.batch>>;
          try {
            results = await client.batch(
              group.flatMap((entry) => entry.statements),
              "write",
            );
          } finally {
            committed();
          }
          stats.commits++;
          stats.batches += group.length;
          let offset = 0;
          for (const entry of group) {
            const own = results.slice(offset, offset + entry.statements.length);
            offset += entry.statements.length;
            entry.answer({ status: "committed", results: own.map(toStatementResult) });
          }
        }
      } catch (error) {
        if (group.length === 1) group[0]?.answer(failedOutcome(error));
        else await commitIsolated(group);
      }
      // Let the event loop deliver the batches that arrived during that commit
      // (the local client blocks while it commits), so they form the next group.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
  };

  const write = (batch: GroupCommitBatch) =>
    new Promise<WriteOutcome>((resolve) => {
      if (batch.statements.length === 0) return resolve({ status: "committed", results: [] });
      queue.push({ ...batch, answer: resolve });
      if (running.size < lanes) {
        const lane: Promise<void> = drain().finally(() => running.delete(lane));
        running.add(lane);
      }
    });
  return Object.assign(write, {
    stats,
    /** True while a group is being formed or committed. */
    get busy() {
      return running.size > 0;
    },
    idle: async () => {
      while (running.size > 0) await Promise.all([...running]);
    },
  });
}

/** Bytes of blob arguments. */
function blobBytes(statements: SqlStatement[]): number {
  let total = 0;
  for (const statement of statements) {
    for (const arg of statement.args) {
      if (arg instanceof Uint8Array || arg instanceof ArrayBuffer) total += arg.byteLength;
    }
  }
  return total;
}

/** The size a batch adds to a request: its blobs and strings (what dominates; SQL text is small beside them). */
function argumentBytes(statements: SqlStatement[]): number {
  let total = 0;
  for (const statement of statements) {
    total += statement.sql.length;
    for (const arg of statement.args) {
      if (arg instanceof Uint8Array)
        total += arg.byteLength * 1.34; // base64 on the wire
      else if (arg instanceof ArrayBuffer) total += arg.byteLength * 1.34;
      else if (typeof arg === "string") total += arg.length;
      else total += 8;
    }
  }
  return total;
}
