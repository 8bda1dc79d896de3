/**
 * What an unexpected error may put in a log line. A failed statement must not
 * carry its parameters there: drizzle's DrizzleQueryError has the message
 * "Failed query: <sql>\nparams: <tenant id, mailbox id, search text, …>", and
 * its stack starts with that message, so neither is logged. For a database
 * error the line names the classes and codes along the `cause` chain and the
 * statement's text with its `?` placeholders; for anything else, the stack as
 * before. `driverMessage` (SQLite's own words, without the statement) is for a
 * debug line only: for a search it can quote the searched text.
 */
export interface ErrorLogFields {
  /** Error class names along the cause chain, outermost first: `DrizzleQueryError < LibsqlError`. */
  errorClass: string;
  /** Driver codes along the chain (`SQLITE_ERROR`), when there are any. */
  code?: string | undefined;
  /** The failed statement's text, placeholders only. */
  query?: string | undefined;
  /** Stack frames without the message line (database errors), or the whole stack (anything else). */
  error: string;
}

export function describeErrorForLog(error: unknown): { fields: ErrorLogFields; driverMessage?: string } {
  const chain = causeChain(error);
  const classes = chain.map(className);
  const codes = chain
    .map((entry) => (entry as { code?: unknown }).code)
    .filter((code): code is string => typeof code === "string" && code !== "");
  const statement = chain.find(isQueryError);
  const fromDatabase = statement !== undefined || chain.some(isDriverError);
  const top = chain[0];
  if (!fromDatabase) {
    return {
      fields: {
        errorClass: classes.join(" < "),
        ...(codes.length > 0 ? { code: [...new Set(codes)].join(" < ") } : {}),
        error: top instanceof Error ? (top.stack ?? top.message) : String(error),
      },
    };
  }
  const driver = chain.find(isDriverError);
  return {
    fields: {
      errorClass: classes.join(" < "),
      ...(codes.length > 0 ? { code: [...new Set(codes)].join(" < ") } : {}),
      ...(statement ? { query: statement.query } : {}),
      error: top instanceof Error ? framesOf(top) : "",
    },
    ...(driver instanceof Error ? { driverMessage: driver.message } : {}),
  };
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && current !== null && chain.length < 5; ) {
    chain.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

function className(value: unknown): string {
  if (value instanceof Error) {
    const constructorName = value.constructor?.name;
    return constructorName && constructorName !== "Error" ? constructorName : value.name;
  }
  return typeof value;
}

/** drizzle's DrizzleQueryError, by shape (`query`, `params`), so a copy made in another realm counts too. */
function isQueryError(value: unknown): value is Error & { query: string; params: unknown[] } {
  return (
    value instanceof Error &&
    typeof (value as { query?: unknown }).query === "string" &&
    Array.isArray((value as { params?: unknown }).params)
  );
}

/** libSQL's LibsqlError / LibsqlBatchError, and anything else with a SQLite or libSQL code. */
function isDriverError(value: unknown): boolean {
  if (!(value instanceof Error)) return false;
  const code = (value as { code?: unknown }).code;
  return (
    className(value).startsWith("Libsql") ||
    (typeof code === "string" && /^(SQLITE_|LIBSQL|HRANA|SERVER_ERROR)/.test(code))
  );
}

/** The stack without its first lines (the message, which may span lines): only the `at …` frames. */
function framesOf(error: Error): string {
  return (error.stack ?? "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line))
    .join("\n");
}
