/**
 * Errors raised by core verbs. Transports map them: the API to problem+json
 * (NotFound → 404, Conflict → 409, Invalid → 422), smtp-edge to SMTP replies.
 * `cause` is kept so logs show the root error; nothing is swallowed.
 */
export class CoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The object does not exist, or belongs to another tenant (never say which). */
export class NotFoundError extends CoreError {}

/** The request conflicts with existing state, e.g. a domain another tenant owns. */
export class ConflictError extends CoreError {}

/** Input that passed the schema but breaks a business rule; `location` names the field. */
export class InvalidError extends CoreError {
  readonly location: string;
  constructor(location: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.location = location;
  }
}

/**
 * True when a database error (or one it wraps: drizzle puts the driver's error
 * in `cause`) is SQLite refusing a write for that constraint.
 */
export function isConstraintViolation(error: unknown, kind: "UNIQUE" | "FOREIGN KEY"): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof Error && current.message.includes(`${kind} constraint failed`)) return true;
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}
