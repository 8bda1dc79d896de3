import type { Db } from "../../db/client";
import { CATCH_ALL, parseEmailAddress } from "../addresses";
import { InvalidError, NotFoundError } from "../errors";
import { makeReplyToken, maxRefBytes } from "./token";

/** Longest life of a reply address (a year), and the shortest (a minute). */
export const MAX_EXPIRES_IN_SECONDS = 365 * 86_400;
const MIN_EXPIRES_IN_SECONDS = 60;

export interface ReplyAddress {
  address: string;
  ref: string;
  expiresAt: number;
}

/**
 * A reply address for one of the tenant's mailboxes: `<local>+<token>@<domain>`,
 * the token carrying `ref` and the expiry under the tenant's reply key
 * (token.ts). Nothing is stored: the edge verifies the token at RCPT TO.
 * Another tenant's mailbox is NotFound, like an unknown one.
 */
export async function createReplyAddress(
  db: Db,
  tenantId: string,
  input: {
    mailboxId: string;
    ref: string;
    expiresInSeconds: number;
    sender?: string | undefined;
    now?: number;
  },
): Promise<ReplyAddress> {
  const result = await db.$client.execute({
    sql: `SELECT m.local_part, d.name AS domain, t.reply_key FROM mailboxes m
      JOIN domains d ON d.id = m.domain_id JOIN tenants t ON t.id = m.tenant_id
      WHERE m.tenant_id = ? AND m.id = ?`,
    args: [tenantId, input.mailboxId],
  });
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`no mailbox ${input.mailboxId}`);
  const localPart = String(row.local_part);
  if (localPart === CATCH_ALL) {
    throw new InvalidError(
      "body.mailbox_id",
      "a catch-all mailbox has no local part to put a token after; use a mailbox with an address",
    );
  }
  const limit = maxRefBytes(localPart);
  const refBytes = new TextEncoder().encode(input.ref).byteLength;
  if (refBytes === 0 || refBytes > limit) {
    throw new InvalidError(
      "body.ref",
      `ref must be 1-${limit} bytes for ${localPart}@ (an address's local part is at most 64 octets, and the token takes the rest)`,
    );
  }
  if (
    !Number.isInteger(input.expiresInSeconds) ||
    input.expiresInSeconds < MIN_EXPIRES_IN_SECONDS ||
    input.expiresInSeconds > MAX_EXPIRES_IN_SECONDS
  ) {
    throw new InvalidError(
      "body.expires_in",
      `expires_in must be a whole number of seconds from ${MIN_EXPIRES_IN_SECONDS} to ${MAX_EXPIRES_IN_SECONDS}`,
    );
  }
  if (input.sender !== undefined && !parseEmailAddress(input.sender)) {
    throw new InvalidError("body.sender", "sender must be an email address such as customer@example.com");
  }
  if (typeof row.reply_key !== "string") throw new Error(`tenant ${tenantId} has no reply key`);
  const expires = Math.floor((input.now ?? Date.now()) / 1000) + input.expiresInSeconds;
  const token = await makeReplyToken({
    replyKey: row.reply_key,
    mailboxId: input.mailboxId,
    ref: input.ref,
    expires,
    sender: input.sender,
  });
  return {
    address: `${localPart}+${token}@${String(row.domain)}`,
    ref: input.ref,
    expiresAt: expires * 1000,
  };
}
