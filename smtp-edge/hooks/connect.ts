import type { SMTPServerSession } from "smtp-server";
import type { Logger } from "../../core/logger";
import type { RejectionReason } from "../../core/metrics";
import { replies } from "../replies";

/**
 * Per-client-address connection limit (Postfix's smtpd_client_connection_count_limit):
 * one address may hold at most `maxPerIp` sessions across our listeners, so a
 * single host cannot take every slot of `maxClients`. Also times each session
 * for its log line at close.
 */
export function createConnectionTracker(options: {
  maxPerIp: number;
  logger: Logger;
  countRejection?: (reason: RejectionReason) => void;
}) {
  const perIp = new Map<string, number>();
  const accepted = new Map<string, { ip: string; startedAt: number }>();

  const onConnect = (session: SMTPServerSession, callback: (err?: Error | null) => void) => {
    const ip = session.remoteAddress;
    const count = perIp.get(ip) ?? 0;
    if (options.maxPerIp > 0 && count >= options.maxPerIp) {
      options.logger.info("smtp connection refused", { remoteIp: ip, reason: "per-ip limit", reply: 421 });
      options.countRejection?.("too_many_clients");
      return callback(replies.tooManyFromAddress());
    }
    perIp.set(ip, count + 1);
    accepted.set(session.id, { ip, startedAt: Date.now() });
    callback();
  };

  const onClose = (session: SMTPServerSession) => {
    const entry = accepted.get(session.id);
    if (!entry) return;
    accepted.delete(session.id);
    const left = (perIp.get(entry.ip) ?? 1) - 1;
    if (left > 0) perIp.set(entry.ip, left);
    else perIp.delete(entry.ip);
    options.logger.info("smtp session", {
      session: session.id,
      remoteIp: entry.ip,
      helo: session.hostNameAppearsAs || null,
      tls: session.tlsOptions ? session.tlsOptions.version : null,
      transactions: session.transaction,
      lastError: session.error ?? null,
      durationMs: Date.now() - entry.startedAt,
    });
  };

  return { onConnect, onClose, connectionsFrom: (ip: string) => perIp.get(ip) ?? 0 };
}

export type ConnectionTracker = ReturnType<typeof createConnectionTracker>;
