import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from "smtp-server";
import type { IngestResult } from "../core/ingest/ingest-message";
import { type ListenSettings, toListenError } from "../core/listen-error";
import type { Logger } from "../core/logger";
import type { RejectionReason } from "../core/metrics";
import type { RecipientResolution } from "../core/tenancy/recipients";
import { installEnhancedStatusCodes } from "./enhanced-status";
import { installGreetingDelay } from "./greeting-delay";
import type { ConnectionTracker } from "./hooks/connect";
import { createDataHook } from "./hooks/data";
import { createRcptToHook } from "./hooks/rcpt-to";
import type { MessageBody } from "./ingest";

export interface SmtpServerDeps {
  serverName: string;
  maxMessageBytes: number;
  resolveRecipient: (address: string) => Promise<RecipientResolution>;
  ingest: (input: { session: SMTPServerSession; body: MessageBody }) => Promise<IngestResult>;
  logger: Logger;
  connections: ConnectionTracker;
  countRejection: (reason: RejectionReason) => void;
  /** Idle timeout; DESIGN.md says 300 s (RFC 5321 §4.5.3.2 minimums are 2-10 min). */
  socketTimeoutMs?: number | undefined;
  maxClients?: number | undefined;
  /** Wait before the 220, to catch clients that talk first (greeting-delay.ts). */
  greetingDelayMs?: number | undefined;
  /** PEM text of the certificate chain and key. */
  tls?: { key: string; cert: string } | undefined;
  /** Implicit TLS (SMTPS, port 465): TLS from the first byte. Needs `tls`. */
  implicitTls?: boolean | undefined;
}

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
  installEnhancedStatusCodes();
  installGreetingDelay();
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    const forget = () => inFlight.delete(work);
    work.then(forget, forget);
    return work;
  };

  const options: SMTPServerOptions & { greetingDelayMs: number } = {
    greetingDelayMs: deps.greetingDelayMs ?? 25,
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
    maxClients: deps.maxClients ?? 1000,
    socketTimeout: deps.socketTimeoutMs ?? 300_000,
    closeTimeout: SHUTDOWN_GRACE_MS,
    onConnect: deps.connections.onConnect,
    onClose: deps.connections.onClose,
    onRcptTo: createRcptToHook({
      resolveRecipient: deps.resolveRecipient,
      logger: deps.logger,
      countRejection: deps.countRejection,
    }),
    onData: createDataHook({
      maxMessageBytes: deps.maxMessageBytes,
      ingest: deps.ingest,
      logger: deps.logger,
      countRejection: deps.countRejection,
      track,
    }),
  };
  const server = new SMTPServer(options);
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
      for (const connection of server.connections) {
        connection.send(421, "Server shutting down");
        connection.close();
      }
      await closed;
    },
  };
}
