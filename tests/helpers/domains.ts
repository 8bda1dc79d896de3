import type { OmniMail, TestTenant } from "./harness";
import { openRawSmtp } from "./smtp-client";

/** A domain as the API answers it (the fields the domain tests read). */
export interface DomainJson {
  id: string;
  name: string;
  verified: boolean;
  verified_at: string | null;
  verification: { type: string; name: string; value: string } | null;
}

/** An authenticated JSON request of `tenant` (a body only when one is given). */
export function tenantCall(omni: OmniMail, tenant: TestTenant, method: string, path: string, body?: unknown) {
  return omni.api(path, tenant.apiKey, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** The first line of the reply to `RCPT TO:<address>` in a fresh session. */
export async function rcptReply(omni: OmniMail, address: string): Promise<string> {
  const smtp = await openRawSmtp(omni.smtpPort);
  await smtp.reply();
  await smtp.command("EHLO client.test");
  await smtp.command("MAIL FROM:<s@example.org>");
  const reply = await smtp.command(`RCPT TO:<${address}>`);
  smtp.close();
  return reply.lines[0] ?? "";
}
