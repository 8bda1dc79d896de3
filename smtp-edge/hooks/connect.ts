import type { SMTPServerSession } from "smtp-server";
import type { Logger } from "../../core/logger";
import { clientKey } from "../client-key";
import type { CountRejection } from "../refusal-context";
import { replies } from "../replies";

/**
 * Per-client-address connection limit (Postfix's smtpd_client_connection_count_limit):
 * one client may hold at most `maxPerIp` sessions across our listeners, so a
 * single host cannot take every slot of `maxClients`. A client is an IPv4
 * address or an IPv6 /64 (client-key.ts): a host with a /64 would otherwise
 * pick a fresh address for every connection. Also times each session for its
 * log line at close.
 */
export function createConnectionTracker(options: {
  maxPerIp: number;
  logger: Logger;
  countRejection?: CountRejection;
}) {
  // Sessions per client key (IPv4 address or IPv6 /64).
  const perClient = new Map<string, number>();
  const accepted = new Map<string, { ip: string; key: string; startedAt: number }>();

  const onConnect = (session: SMTPServerSession, callback: (err?: Error | null) => void) => {
    const ip = session.remoteAddress;
    const key = clientKey(ip);
    const count = perClient.get(key) ?? 0;
    if (options.maxPerIp > 0 && count >= options.maxPerIp) {
      options.logger.info("smtp connection refused", {
        remoteIp: ip,
        client: key,
        reason: "per-ip limit",
        reply: 421,
      });
      const reply = replies.tooManyFromAddress();
      options.countRejection?.("too_many_clients", { stage: "connect", session, reply });
      return callback(reply);
    }
    perClient.set(key, count + 1);
    accepted.set(session.id, { ip, key, startedAt: Date.now() });
    callback();
  };

  const onClose = (session: SMTPServerSession) => {
    const entry = accepted.get(session.id);
    if (!entry) return;
    accepted.delete(session.id);
    const left = (perClient.get(entry.key) ?? 1) - 1;
    if (left > 0) perClient.set(entry.key, left);
    else perClient.delete(entry.key);
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

  return { onConnect, onClose, connectionsFrom: (ip: string) => perClient.get(clientKey(ip)) ?? 0 };
}

export type ConnectionTracker = ReturnType<typeof createConnectionTracker>;
