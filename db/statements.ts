import type { InValue } from "@libsql/client";

/**
 * A SQL statement as plain data (text and arguments), so a batch can be built
 * on one thread and committed on another (db/writer-thread.ts), or grouped with
 * other batches into one transaction (db/group-commit.ts).
 */
export interface SqlStatement {
  sql: string;
  args: InValue[];
}

/** Commits the statements in one transaction: all or nothing. */
export type WriteStatements = (statements: SqlStatement[]) => Promise<void>;

/** A drizzle query builder → a plain statement (`toSQL()` applies each column's driver mapping). */
export function toStatement(query: { toSQL(): { sql: string; params: unknown[] } }): SqlStatement {
  const { sql, params } = query.toSQL();
  return { sql, args: params as InValue[] };
}
