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
