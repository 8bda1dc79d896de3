import pino from "pino";
import type { Logger, LogLevel } from "../core/logger";

/**
 * The Bun processes log with pino: one JSON line per event on stderr, written
 * synchronously, so the last lines before a crash or exit are never lost (an
 * MTA's log is its audit trail; a line costs microseconds). Core code
 * sees only the small `Logger` interface (the Worker keeps core/logger.ts,
 * which writes through console). Lines carry `time` (ISO 8601), `level` (as a
 * word), `component`, `pid`, the fields, and `msg`.
 */
export function createPinoLogger(level: LogLevel, component: string): Logger {
  const destination = pino.destination({ fd: 2, sync: true });
  const log = pino(
    {
      level,
      base: { component, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return {
    debug: (message, fields) => log.debug(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}
