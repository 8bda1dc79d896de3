import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { type RemoteDatabase, startRemoteDatabase } from "../helpers/remote-db";
import { sendMail } from "../helpers/send";
import { openRawSmtp } from "../helpers/smtp-client";

// The SMTP edge on a remote libSQL database (the shared Hrana test server, behind a proxy that can
// slow, stall or refuse it): a 451 is only ever "not stored", and a slow commit is waited for.
const remote = await startRemoteDatabase();
if (!remote) console.warn("remote-storage: no shared libSQL test server; these tests are skipped");

describe.skipIf(!remote)("remote database", () => {
  const server = remote as RemoteDatabase;
  let omni: OmniMail;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    // Busy timeout 100 ms: the storage deadline (busy timeout + 5 s) is 5.1 s.
    omni = await startOmniMail({ databaseUrl: server.proxyUrl, busyTimeoutMs: 100 });
    tenant = await omni.addTenant("remote.test", ["alice"]);
    receiver = startReceiver();
    const hook = await omni.api("/v1/webhooks", tenant.apiKey, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: receiver.url }),
    });
    expect(hook.status).toBe(201);
  });
  afterAll(async () => {
    receiver.stop();
    await omni.stop();
    await server.stop();
  });

  /** One transaction; `beforeBody` runs after 354, so only the message's commit meets the condition it sets. */
  async function deliver(subject: string, beforeBody: () => unknown = () => {}) {
    const smtp = await openRawSmtp(omni.smtpPort);
    await smtp.reply();
    await smtp.command("EHLO client.test");
    await smtp.command("MAIL FROM:<s@example.org>");
    expect((await smtp.command("RCPT TO:<alice@remote.test>")).code).toBe(250);
    expect((await smtp.command("DATA")).code).toBe(354);
    await beforeBody();
    smtp.write(`Subject: ${subject}\r\n\r\nbody\r\n.\r\n`);
    const reply = await smtp.reply(20_000);
    smtp.close();
    return reply.lines[0] ?? "";
  }

  async function stored(subject: string): Promise<number> {
    const rows = await omni.database.client.execute({
      sql: "SELECT count(*) AS n FROM messages WHERE subject = ?",
      args: [subject],
    });
    return Number(rows.rows[0]?.n);
  }

  const hooksFor = (subject: string) =>
    receiver.received.filter(
      (hook) => (JSON.parse(hook.body) as { data: { subject: string } }).data.subject === subject,
    );

  test("a commit slower than the storage deadline is waited for: 250, one copy, one webhook (never a 451 that commits)", async () => {
    // The batch reaches the server at once; its answer comes back 6 s later.
    let started = 0;
    const reply = await deliver("slow link", () => {
      server.proxy.setDelay(6000);
      started = Date.now();
    });
    server.proxy.setDelay(0);
    expect(reply).toMatch(/^250 2\.6\.0 /);
    expect(Date.now() - started).toBeGreaterThan(5500);
    expect(await stored("slow link")).toBe(1);
    await waitFor(() => (hooksFor("slow link").length > 0 ? true : undefined), 10_000);
    expect(hooksFor("slow link").length).toBe(1);
  });

  test("the database down: 451 4.3.0 and nothing stored; back up: the retry stores exactly one copy", async () => {
    // Down after DATA began: RCPT was answered, the commit cannot be (a down database at RCPT is 451 there).
    const refused = await deliver("while down", () => server.proxy.down());
    expect(refused).toMatch(/^451 4\.3\.0 /);
    server.proxy.up();
    expect(await stored("while down")).toBe(0);
    expect(await deliver("while down")).toMatch(/^250 2\.6\.0 /);
    expect(await stored("while down")).toBe(1);
    await waitFor(() => (hooksFor("while down").length > 0 ? true : undefined), 10_000);
    expect(hooksFor("while down").length).toBe(1);
  });
  test("a message with a 2.5 MB attachment is stored (a statement per request, under the server's 1 MiB), read back exactly, and the small messages sent beside it are stored too", async () => {
    const attachment = randomBytes(2_500_000);
    const [big, ...small] = await Promise.all([
      sendMail(omni.smtpPort, {
        from: "s@example.org",
        to: ["alice@remote.test"],
        subject: "big over remote",
        text: "see attached",
        attachments: [{ filename: "big.bin", content: attachment }],
      }),
      ...Array.from({ length: 5 }, (_, n) => deliver(`beside the big one ${n}`)),
    ]);
    expect(big).toMatch(/^250 /);
    for (const reply of small) expect(reply).toMatch(/^250 2\.6\.0 /);
    const id = /queued as (\S+)/.exec(big)?.[1] ?? "";
    const message = (await (await omni.api(`/v1/messages/${id}`, tenant.apiKey)).json()) as {
      attachments: Array<{ id: string; size: number }>;
    };
    expect(message.attachments[0]?.size).toBe(attachment.byteLength);
    const bytes = new Uint8Array(
      await (
        await omni.api(`/v1/messages/${id}/attachments/${message.attachments[0]?.id}`, tenant.apiKey)
      ).arrayBuffer(),
    );
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(
      createHash("sha256").update(attachment).digest("hex"),
    );
    for (let n = 0; n < 5; n++) expect(await stored(`beside the big one ${n}`)).toBe(1);
  });
});
