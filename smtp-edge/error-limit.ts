import type { SMTPServerSession } from "smtp-server";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";
import { replies } from "./replies";

/**
 * Errors per session, as Postfix counts them (smtpd_soft_error_limit 10,
 * smtpd_hard_error_limit 20, smtpd_error_sleep_time 1 s): every 5xx reply but
 * 552 (too big: the sender did nothing wrong) is an error — refused RCPTs
 * (550, 553, 554) and bad commands (500-504). Past the soft limit every reply
 * waits, the k-th error past it min(k, 5) × `delayMs`, and the next command is
 * read only after that reply is out; once the hard limit is reached, the next
 * command is answered `421 4.7.0` and the session ends (RFC 5321 §3.8: a 421
 * reply, then close). This is what stops recipient harvesting: 3,001 RCPT
 * guesses in 0.6 s become 20 guesses and a disconnect. A delivered message
 * clears the count (Postfix: errors "without delivering mail"), so 452 for
 * recipients over 100 (4xx) or a big list with stale addresses does not cut a
 * real MTA off between messages.
 *
 * NOOP, VRFY, ETRN and RSET are free up to 100 a session; each one past that
 * counts as an error (Postfix smtpd_junk_command_limit), so a session cannot
 * be held by NOOPs either. Under stress (stress.ts) the hard limit drops to the
 * soft limit, without delays (a delayed session holds a slot), and junk
 * commands past the first count, as Postfix does with stress=yes.
 */
const PATCHED = Symbol.for("omnimail.errorLimits");
const JUNK_COMMANDS = new Set(["NOOP", "VRFY", "ETRN", "RSET"]);
const JUNK_LIMIT = 100;
const STRESS_JUNK_LIMIT = 1;
const MAX_DELAY_STEPS = 5;

export interface ErrorLimitSettings {
  soft: number;
  hard: number;
  /** The first delay past the soft limit; 0: no delays. */
  delayMs: number;
  underStress: () => boolean;
  /** The session is being closed with 421 4.7.0 (count it, log it). */
  onTooManyErrors: (session: SMTPServerSession, errors: number) => void;
}

type SendArgs = [code: number, data?: unknown, context?: unknown];
type SendFn = (...args: SendArgs) => void;
type CommandFn = (command: Buffer, callback?: () => void) => void;

interface ConnectionInternals {
  _server: { options: { errorLimits?: ErrorLimitSettings } };
  session: SMTPServerSession;
  _ready: boolean;
  _upgrading: boolean;
  _closing: boolean;
  _closed: boolean;
  _armTimeout(): void;
}

interface ErrorState {
  errors: number;
  junk: number;
  /** Replies waiting for the delay to pass, in order; null when none is delayed. */
  queue: SendArgs[] | null;
  /** The command that arrived during the delay, run when it is over. */
  held: (() => void) | null;
}

const states = new WeakMap<object, ErrorState>();

function stateOf(connection: object): ErrorState {
  let state = states.get(connection);
  if (!state) {
    state = { errors: 0, junk: 0, queue: null, held: null };
    states.set(connection, state);
  }
  return state;
}

/** True while a reply of this connection is being delayed: the server, not the client, owes the next move. */
export function isReplyDelayed(connection: object): boolean {
  return Boolean(states.get(connection)?.queue);
}

export function installErrorLimits(): void {
  const prototype = SMTPConnection.prototype as unknown as {
    send: SendFn;
    _onCommand: CommandFn;
    _onTimeout: () => void;
    [PATCHED]?: true;
  };
  if (prototype[PATCHED]) return;
  const send = prototype.send;
  const onCommand = prototype._onCommand;
  const onTimeout = prototype._onTimeout;

  const flush = (connection: ConnectionInternals, state: ErrorState) => {
    const queued = state.queue ?? [];
    state.queue = null;
    for (const args of queued) send.apply(connection, args);
    const held = state.held;
    state.held = null;
    if (held && !connection._closing && !connection._closed) held();
  };

  prototype.send = function sendWithErrorLimits(this: ConnectionInternals, ...args: SendArgs) {
    const limits = this._server.options.errorLimits;
    if (!limits) return send.apply(this, args);
    const [code, , context] = args;
    const state = stateOf(this);
    if (code === 250 && context === "DATA_OK") {
      state.errors = 0;
      state.junk = 0;
    } else if (code >= 500 && code !== 552) {
      state.errors++;
    }
    if (state.queue) {
      state.queue.push(args);
      return;
    }
    const past = state.errors - limits.soft;
    if (code !== 421 && past > 0 && limits.delayMs > 0 && !limits.underStress()) {
      state.queue = [args];
      const timer = setTimeout(() => flush(this, state), Math.min(past, MAX_DELAY_STEPS) * limits.delayMs);
      timer.unref?.();
      return;
    }
    return send.apply(this, args);
  };

  prototype._onCommand = function onCommandWithErrorLimits(
    this: ConnectionInternals,
    command: Buffer,
    callback?: () => void,
  ) {
    const limits = this._server.options.errorLimits;
    if (!limits || this._upgrading || !this._ready) return onCommand.call(this, command, callback);
    const state = stateOf(this);
    if (state.queue) {
      // Pipelined behind a delayed reply: read once that reply is out.
      state.held = () => prototype._onCommand.call(this, command, callback);
      return;
    }
    const stressed = limits.underStress();
    const hard = stressed ? Math.max(1, Math.min(limits.hard, limits.soft)) : limits.hard;
    if (state.errors >= hard) {
      limits.onTooManyErrors(this.session, state.errors);
      const reply = replies.tooManyErrors();
      return send.call(this, reply.responseCode, reply.message);
    }
    const name = command.toString("latin1").trim().split(" ")[0]?.toUpperCase() ?? "";
    if (JUNK_COMMANDS.has(name) && ++state.junk > (stressed ? STRESS_JUNK_LIMIT : JUNK_LIMIT)) state.errors++;
    return onCommand.call(this, command, callback);
  };

  // The client waits for our delayed reply: smtp-server's idle timeout must not count that against it.
  prototype._onTimeout = function onTimeoutWithErrorLimits(this: ConnectionInternals) {
    if (!this._closing && states.get(this)?.queue) return this._armTimeout();
    return onTimeout.call(this);
  };

  prototype[PATCHED] = true;
}
