import type { Client } from "@libsql/client";
import type { SqlStatement, WriteStatements } from "./statements";

/**
 * Group commit: batches that arrive while a commit is running are committed
 * together in the next transaction, so N concurrent messages cost one fsync
 * instead of N (synchronous=FULL makes each fsync the price of a commit). Each
 * caller still resolves only after the transaction holding its statements has
 * committed. If a group fails, it is committed again with a savepoint per
 * batch, so one bad batch fails alone and cannot fail the others.
 */
export interface GroupCommitStats {
  commits: number;
  batches: number;
}

export function createGroupCommitWriter(
  client: Pick<Client, "batch" | "transaction">,
  options: { maxStatementsPerCommit?: number } = {},
): WriteStatements & { stats: GroupCommitStats; idle(): Promise<void> } {
  const maxStatements = options.maxStatementsPerCommit ?? 5000;
  const queue: Array<{ statements: SqlStatement[]; resolve: () => void; reject: (error: unknown) => void }> =
    [];
  const stats: GroupCommitStats = { commits: 0, batches: 0 };
  let running: Promise<void> | null = null;

  const commit = async (statements: SqlStatement[]) => {
    await client.batch(statements, "write");
    stats.commits++;
  };

  /**
   * The group failed: commit it again in one transaction with a savepoint per
   * batch, so the batches that fail roll back alone and the rest still commit.
   */
  const commitIsolated = async (group: typeof queue) => {
    const outcomes: Array<{ ok: true } | { ok: false; error: unknown }> = [];
    try {
      const tx = await client.transaction("write");
      try {
        for (const entry of group) {
          await tx.execute("SAVEPOINT batch");
          try {
            await tx.batch(entry.statements);
            await tx.execute("RELEASE batch");
            outcomes.push({ ok: true });
          } catch (error) {
            await tx.execute("ROLLBACK TO batch");
            await tx.execute("RELEASE batch");
            outcomes.push({ ok: false, error });
          }
        }
        await tx.commit();
        stats.commits++;
      } finally {
        tx.close();
      }
    } catch (error) {
      for (const entry of group) entry.reject(error);
      return;
    }
    group.forEach((entry, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) {
        stats.batches++;
        entry.resolve();
      } else entry.reject(outcome?.error);
    });
  };

  const takeGroup = () => {
    const group: typeof queue = [];
    let size = 0;
    while (queue.length > 0) {
      const next = queue[0];
      if (!next || (group.length > 0 && size + next.statements.length > maxStatements)) break;
      queue.shift();
      group.push(next);
      size += next.statements.length;
    }
    return group;
  };

  const drain = async () => {
    while (queue.length > 0) {
      const group = takeGroup();
      try {
        await commit(group.flatMap((entry) => entry.statements));
        stats.batches += group.length;
        for (const entry of group) entry.resolve();
      } catch (error) {
        if (group.length === 1) group[0]?.reject(error);
        else await commitIsolated(group);
      }
      // Let the event loop deliver the batches that arrived during that commit
      // (the local client blocks while it commits), so they form the next group.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
  };

  const write = (statements: SqlStatement[]) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ statements, resolve, reject });
      running ??= drain().finally(() => {
        running = null;
      });
    });
  return Object.assign(write, { stats, idle: async () => void (await running) });
}
