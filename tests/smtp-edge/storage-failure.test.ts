import { afterAll, beforeAll, expect, test } from "bun:test";
import { createClient } from "@libsql/client";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { startReceiver } from "../helpers/receiver";
import { openRawSmtp } from "../helpers/smtp-client";

// Storage down → 451 4.3.0 within a few seconds, nothing half-written; a retry once it is back → 250, one copy.
let omni: OmniMail;
let tenant: TestTenant;

beforeAll(async () => {
  omni = await startOmniMail({ busyTimeoutMs: 300 });
  tenant = await omni.addTenant("acme.test", ["alice"]);
});
afterAll(() => omni.stop());

async function deliver(subject: string) {
  const smtp = await openRawSmtp(omni.smtpPort);
  await smtp.reply();
  await smtp.command("EHLO client.test");
  await smtp.command("MAIL FROM:<s@example.org>");
  expect((await smtp.command("RCPT TO:<alice@acme.test>")).code).toBe(250);
  expect((await smtp.command("DATA")).code).toBe(354);
  const started = Date.now();
  smtp.write(`Subject: ${subject}\r\n\r\nbody\r\n.\r\n`);
  const reply = await smtp.reply(15_000);
  smtp.close();
  return { reply, elapsedMs: Date.now() - started };
}

async function countRows(table: string) {
  const result = await omni.database.client.execute(`SELECT count(*) AS n FROM ${table}`);
  return Number(result.rows[0]?.n);
}

test("a locked database answers 451 4.3.0, and the retry after the lock is gone stores exactly one copy", async () => {
  // Another connection holds the write lock past our busy timeout.
  const locker = createClient({ url: omni.databaseUrl });
  const tx = await locker.transaction("write");
  await tx.execute("INSERT INTO tenants (id, name, created_at) VALUES ('tnt_lock', 'lock', 0)");
  const before = { messages: await countRows("messages"), attachments: await countRows("attachments") };

  const failed = await deliver("retry me");
  expect(failed.reply.lines[0]).toMatch(/^451 4\.3\.0 /);
  expect(failed.elapsedMs).toBeLessThan(5000);

  await tx.rollback();
  locker.close();
  expect(await countRows("messages")).toBe(before.messages);
  expect(await countRows("attachments")).toBe(before.attachments);

  const retried = await deliver("retry me");
  expect(retried.reply.lines[0]).toMatch(/^250 2\.6\.0 /);
  const response = await omni.api(
    `/v1/mailboxes/${tenant.mailboxes["alice@acme.test"]}/messages?subject=retry%20me`,
    tenant.apiKey,
  );
  const page = (await response.json()) as { data: unknown[] };
  expect(page.data.length).toBe(1);
});

test("messages queued behind a commit that cannot get the lock are answered 451 and never commit later", async () => {
  const receiver = startReceiver();
  const hook = await omni.api("/v1/webhooks", tenant.apiKey, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: receiver.url }),
  });
  expect(hook.status).toBe(201);
  const locker = createClient({ url: omni.databaseUrl });
  const tx = await locker.transaction("write");
  await tx.execute("INSERT INTO tenants (id, name, created_at) VALUES ('tnt_lock2', 'lock', 0)");
  const before = await countRows("messages");

  const replies = await Promise.all(Array.from({ length: 5 }, (_, i) => deliver(`queued ${i}`)));
  for (const { reply } of replies) expect(reply.lines[0]).toMatch(/^451 4\.3\.0 /);
  await tx.rollback();
  locker.close();

  // Nothing that was answered 451 may commit afterwards: give a late commit every chance to show.
  const retried = await deliver("queued retry");
  expect(retried.reply.lines[0]).toMatch(/^250 2\.6\.0 /);
  await waitFor(() => (receiver.received.length > 0 ? true : undefined));
  expect(await countRows("messages")).toBe(before + 1);
  const subjects = receiver.received.map((received) => (JSON.parse(received.body) as Hook).data.subject);
  expect(subjects).toEqual(["queued retry"]);
  receiver.stop();
});

interface Hook {
  data: { subject: string };
}
