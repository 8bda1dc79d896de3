import type { SMTPServer, SMTPServerSession } from "smtp-server";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";
import type { Logger } from "../core/logger";
import { isReplyDelayed } from "./error-limit";
import { replies, type SmtpReply } from "./replies";
import type { StressGauge } from "./stress";

/**
 * Deadlines that a trickle of bytes does not push back (slowloris). smtp-server's
 * idle timeout is the socket's, reset by every byte received, so a client that
 * sends one byte every few seconds holds its slot for ever, and 40 of them hold
 * 40 slots. Postfix bounds the same things with smtpd_timeout per record
 * (smtpd_per_record_deadline) and smtpd_min_data_rate; here:
 *
 * - a command line must be complete within the idle timeout of our last reply;
 * - DATA may take at most `maxDataMs` from the 354, must not stall for the idle
 *   timeout, and once that grace is over must average `minDataRate` bytes/s;
 * - a session ends at its next command after `maxSessionMs` (a DATA in progress
 *   finishes under its own limits);
 * - under stress (stress.ts) the idle timeout, and with it the DATA grace, shrink.
 *
 * None of them runs while the server owes the client something (a hook at work,
 * a message being stored, a delayed error reply): RFC 5321 §4.5.3.2 lets a
 * client wait minutes for those, and so do we. Each breach is `421 4.4.2` with
 * the reason, then close. One timer per listener checks every session, every
 * tenth of the shortest idle timeout (at most a second).
 */
const PATCHED = Symbol.for("omnimail.replyClock");

interface Clock {
  startedAt: number;
  /** When we last wrote a reply: from then on the client owes the next command. */
  lastReplyAt: number;
  /** When the 354 went out. */
  dataStartedAt: number;
  /** DATA bytes seen at the last check, and when that count last grew. */
  dataBytes: number;
  dataProgressAt: number;
}

interface ConnectionInternals {
  session: SMTPServerSession;
  remoteAddress: string;
  _closing: boolean;
  _closed: boolean;
  _handlerPending?: boolean;
  _dataStream: unknown;
  _parser: { _dataMode: boolean; dataBytes: number } | false;
  send(code: number, data?: unknown, context?: unknown): void;
}

type SendFn = (code: number, data?: unknown, context?: unknown) => void;

const clocks = new WeakMap<object, Clock>();

function clockOf(connection: object, now: number): Clock {
  let clock = clocks.get(connection);
  if (!clock) {
    clock = { startedAt: now, lastReplyAt: now, dataStartedAt: now, dataBytes: 0, dataProgressAt: now };
    clocks.set(connection, clock);
  }
  return clock;
}

/** Notes when each reply is written (inside the error limit's delay, so a delayed reply counts when sent). */
export function installReplyClock(): void {
  const prototype = SMTPConnection.prototype as unknown as { send: SendFn; [PATCHED]?: true };
  if (prototype[PATCHED]) return;
  const original = prototype.send;
  prototype.send = function sendWithClock(this: object, code: number, data?: unknown, context?: unknown) {
    const now = Date.now();
    const clock = clockOf(this, now);
    clock.lastReplyAt = now;
    if (code === 354) {
      clock.dataStartedAt = now;
      clock.dataBytes = 0;
      clock.dataProgressAt = now;
    }
    return original.call(this, code, data, context);
  };
  prototype[PATCHED] = true;
}

export interface DeadlineSettings {
  idleTimeoutMs: number;
  /** 0: no limit. */
  maxDataMs: number;
  /** 0: no limit. */
  maxSessionMs: number;
  /** Bytes per second; 0: no minimum. */
  minDataRate: number;
  stress: StressGauge;
}

export function watchSessionDeadlines(server: SMTPServer, settings: DeadlineSettings, logger: Logger) {
  const shortest = Math.min(settings.idleTimeoutMs, settings.stress.stressIdleTimeoutMs);
  const checkEveryMs = Math.min(1000, Math.max(20, Math.round(shortest / 10)));
  let timer: ReturnType<typeof setInterval> | undefined;

  const check = () => {
    const now = Date.now();
    const stressed = settings.stress.underStress();
    const idleMs = stressed ? settings.stress.stressIdleTimeoutMs : settings.idleTimeoutMs;
    for (const connection of server.connections as unknown as Set<ConnectionInternals>) {
      const reply = overdue(connection, clockOf(connection, now), now, idleMs, settings);
      if (!reply) continue;
      logger.info("smtp session limit", {
        session: connection.session.id,
        remoteIp: connection.remoteAddress,
        stress: stressed,
        reply: `${reply.responseCode} ${reply.message}`,
      });
      connection.send(reply.responseCode, reply.message);
    }
  };

  return {
    start() {
      if (timer) return;
      timer = setInterval(check, checkEveryMs);
      timer.unref?.();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

function overdue(
  connection: ConnectionInternals,
  clock: Clock,
  now: number,
  idleMs: number,
  settings: DeadlineSettings,
): SmtpReply | null {
  if (connection._closing || connection._closed || isReplyDelayed(connection)) return null;
  const parser = connection._parser || null;
  const receiving = Boolean(connection._dataStream && parser?._dataMode);
  if (receiving && parser) {
    if (parser.dataBytes !== clock.dataBytes) {
      clock.dataBytes = parser.dataBytes;
      clock.dataProgressAt = now;
    }
    const elapsed = now - clock.dataStartedAt;
    if (settings.maxDataMs > 0 && elapsed > settings.maxDataMs)
      return replies.dataTooLong(seconds(settings.maxDataMs));
    if (now - clock.dataProgressAt > idleMs) return replies.dataTimeout(seconds(idleMs));
    const owed = (settings.minDataRate * (elapsed - idleMs)) / 1000;
    if (settings.minDataRate > 0 && owed > 0 && parser.dataBytes < owed)
      return replies.dataTooSlow(settings.minDataRate);
    return null;
  }
  // The server's turn: a hook is running, or the message is in and being stored.
  if (connection._handlerPending || connection._dataStream) return null;
  if (settings.maxSessionMs > 0 && now - clock.startedAt > settings.maxSessionMs) {
    return replies.sessionTooLong(seconds(settings.maxSessionMs));
  }
  if (now - clock.lastReplyAt > idleMs) return replies.commandTimeout(seconds(idleMs));
  return null;
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}
