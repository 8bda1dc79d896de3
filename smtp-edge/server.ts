import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from "smtp-server";
import type { Config } from "../core/config";
import type { IngestResult } from "../core/ingest/ingest-message";
import { type ListenSettings, toListenError } from "../core/listen-error";
import type { Logger } from "../core/logger";
import type { RcptHookCaller } from "../core/policy/rcpt-hook";
import type { RecipientResolution } from "../core/tenancy/recipients";
import { installAddressEncoding } from "./address-encoding";
import { installEnhancedStatusCodes } from "./enhanced-status";
import { type ErrorLimitSettings, installErrorLimits } from "./error-limit";
import { createGarbagePacer } from "./garbage-pacer";
import { installGreetingDelay } from "./greeting-delay";
import type { ConnectionTracker } from "./hooks/connect";
import { createDataHook } from "./hooks/data";
import { createMailFromHook } from "./hooks/mail-from";
import { createRcptToHook } from "./hooks/rcpt-to";
import type { MessageBody } from "./ingest";
import type { CountRejection } from "./refusal-context";
import { replies } from "./replies";
import { installReplyClock, watchSessionDeadlines } from "./session-deadlines";
import { createDeclaredHolds, type FreeSpaceProbe, type InflightBudget } from "./storage-guard";
import { createStressGauge } from "./stress";

/** One pacer for every listener of the process: the heap is shared. */
const paceGarbage = createGarbagePacer();

export interface SmtpServerDeps {
  serverName: string;
  maxMessageBytes: number;
  resolveRecipient: (address: string) => Promise<RecipientResolution>;
  /** The tenants' RCPT-time hooks. */
  callHook?: RcptHookCaller | undefined;
  ingest: (input: { session: SMTPServerSession; body: MessageBody }) => Promise<IngestResult>;
  logger: Logger;
  connections: ConnectionTracker;
  countRejection: CountRejection;
  /** Back-pressure (storage-guard.ts): the in-flight byte budget and the free-space floor. */
  budget?: InflightBudget | undefined;
  freeSpace?: FreeSpaceProbe | undefined;
  /** Idle timeout; DESIGN.md says 300 s (RFC 5321 §4.5.3.2 minimums are 2-10 min). */
  socketTimeoutMs?: number | undefined;
  maxClients?: number | undefined;
  /** Wait before the 220, to catch clients that talk first (greeting-delay.ts). */
  greetingDelayMs?: number | undefined;
  /** PEM text of the certificate chain and key. */
  tls?: { key: string; cert: string } | undefined;
  /** Implicit TLS (SMTPS, port 465): TLS from the first byte. Needs `tls`. */
  implicitTls?: boolean | undefined;
  /** Deadlines, stress mode and error limits per session (core/config.ts has the defaults). */
  sessionLimits: SessionLimits;
}

/** Per-session limits against slow and hostile clients (session-deadlines.ts, stress.ts, error-limit.ts), as configured. */
export type SessionLimits = Pick<
  Config["smtp"],
  | "maxDataMs"
  | "maxSessionMs"
  | "minDataRate"
  | "stressPercent"
  | "stressIdleTimeoutMs"
  | "softErrorLimit"
  | "hardErrorLimit"
  | "errorDelayMs"
>;

export interface SmtpEdge {
  server: SMTPServer;
  /**
   * Opens the port; resolves with the bound one (0 picks a free port). A port in
   * use, a privileged port or a foreign address rejects with a ListenError naming
   * `settings` (default SMTP_PORT and SMTP_HOST).
   */
  listen(port: number, host: string, settings?: ListenSettings): Promise<number>;
  /** Swaps the certificate for new sessions (SIGHUP after a renewal); sessions in progress keep theirs. */
  reloadTls(tls: { key: string; cert: string }): void;
  /** Stop listening, let DATA in flight finish and be answered, then close every session. */
  close(): Promise<void>;
}

export const MAX_RECIPIENTS = 100;
/** How long a shutdown waits for DATA in flight before closing sessions anyway. */
const SHUTDOWN_GRACE_MS = 30_000;

/** Builds one SMTP listener. No I/O happens until `listen`. */
export function createSmtpServer(deps: SmtpServerDeps): SmtpEdge {
  // Order matters for the three `send` wrappers: the error limit's delay is outermost, so the reply
  // clock notes a delayed reply when it is written, and enhanced codes are added last.
  installEnhancedStatusCodes();
  installGreetingDelay();
  installAddressEncoding();
  installReplyClock();
  installErrorLimits();
  const limits = deps.sessionLimits;
  const maxClients = deps.maxClients ?? 1000;
  const idleTimeoutMs = deps.socketTimeoutMs ?? 300_000;
  // Set once the server exists; the gauge only counts its connections.
  let connectionCount = () => 0;
  const stress = createStressGauge({
    connections: () => connectionCount(),
    maxClients,
    percent: limits.stressPercent,
    idleTimeoutMs,
    stressIdleTimeoutMs: limits.stressIdleTimeoutMs,
  });
  const errorLimits: ErrorLimitSettings = {
    soft: limits.softErrorLimit,
    hard: limits.hardErrorLimit,
    delayMs: limits.errorDelayMs,
    underStress: stress.underStress,
    onTooManyErrors: (session, errors) => {
      deps.logger.info("smtp connection closed", {
        session: session.id,
        remoteIp: session.remoteAddress,
        reason: "too many errors",
        errors,
        reply: 421,
      });
      deps.countRejection("too_many_errors", {
        stage: "connect",
        session,
        reply: replies.tooManyErrors(),
      });
    },
  };
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    const forget = () => inFlight.delete(work);
    work.then(forget, forget);
    return work;
  };

  const holds = deps.budget ? createDeclaredHolds(deps.budget) : undefined;
  const options: SMTPServerOptions & { greetingDelayMs: number; errorLimits: ErrorLimitSettings } = {
    greetingDelayMs: deps.greetingDelayMs ?? 25,
    errorLimits,
    name: deps.serverName,
    banner: "OmniMail",
    logger: false,
    secure: Boolean(deps.implicitTls && deps.tls),
    // Inbound MX: no AUTH on this port (DESIGN.md); STARTTLS only with a certificate.
    authOptional: true,
    disabledCommands: deps.tls ? ["AUTH"] : ["AUTH", "STARTTLS"],
    hideSTARTTLS: !deps.tls,
    ...(deps.tls ? { key: deps.tls.key, cert: deps.tls.cert } : {}),
    // RFC 2034/3463 enhanced codes on every reply (smtp-server hides them by default).
    hideENHANCEDSTATUSCODES: false,
    size: deps.maxMessageBytes,
    rejectOversized: true,
    maxRecipients: MAX_RECIPIENTS,
    maxClients,
    socketTimeout: idleTimeoutMs,
    closeTimeout: SHUTDOWN_GRACE_MS,
    onConnect: deps.connections.onConnect,
    onClose: (session) => {
      deps.connections.onClose(session);
      holds?.drop(session.id);
    },
    onMailFrom: createMailFromHook({
      holds,
      freeSpace: deps.freeSpace,
      countRejection: deps.countRejection,
    }),
    onRcptTo: createRcptToHook({
      resolveRecipient: deps.resolveRecipient,
      callHook: deps.callHook,
      logger: deps.logger,
      countRejection: deps.countRejection,
    }),
    onData: createDataHook({
      maxMessageBytes: deps.maxMessageBytes,
      ingest: deps.ingest,
      logger: deps.logger,
      countRejection: deps.countRejection,
      track,
      budget: deps.budget,
      holds,
      freeSpace: deps.freeSpace,
      paceGarbage,
    }),
  };
  const server = new SMTPServer(options);
  connectionCount = () => server.connections.size;
  const deadlines = watchSessionDeadlines(
    server,
    {
      idleTimeoutMs,
      maxDataMs: limits.maxDataMs,
      maxSessionMs: limits.maxSessionMs,
      minDataRate: limits.minDataRate,
      stress,
    },
    deps.logger,
  );
  // While `listen` is pending, an error is its failure, and `listen` reports it.
  let binding = false;
  // Without a listener an 'error' event (a reset socket, a TLS failure) would crash the process.
  server.on("error", (error: Error & { remote?: string }) => {
    if (binding) return;
    deps.logger.warn("smtp connection error", { error: error.message, remoteIp: error.remote });
  });

  return {
    server,
    listen: (port, host, settings = { port: "SMTP_PORT", host: "SMTP_HOST" }) =>
      new Promise((resolve, reject) => {
        binding = true;
        const fail = (error: unknown) => {
          binding = false;
          reject(toListenError(error, { port, host, settings }));
        };
        server.server.once("error", fail);
        try {
          server.listen(port, host, () => {
            binding = false;
            deadlines.start();
            server.server.off("error", fail);
            const address = server.server.address();
            resolve(typeof address === "object" && address ? address.port : port);
          });
        } catch (error) {
          server.server.off("error", fail);
          fail(error);
        }
      }),
    reloadTls: (tls) => server.updateSecureContext({ key: tls.key, cert: tls.cert }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // New commands now get 421; DATA being received or stored finishes and is
      // answered (bounded, so a stalled client cannot hold the shutdown forever).
      const deadline = Date.now() + SHUTDOWN_GRACE_MS;
      while (inFlight.size > 0 && Date.now() < deadline) {
        await Promise.race([
          Promise.allSettled([...inFlight]),
          Bun.sleep(Math.max(0, deadline - Date.now())),
        ]);
      }
      deadlines.stop();
      for (const connection of server.connections) {
        connection.send(421, "Server shutting down");
        connection.close();
      }
      await closed;
    },
  };
}
