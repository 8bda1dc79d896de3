import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { type RemoteDatabase, startRemoteDatabase } from "../helpers/remote-db";
import { sendMail } from "../helpers/send";

// Two SMTP edges on one remote database, as the system grows past one machine; then the database
// goes away under load and comes back.
const remote = await startRemoteDatabase();
if (!remote) console.warn("outage: no shared libSQL test server; these tests are skipped");

describe.skipIf(!remote)("remote database shared by two edges", () => {
  const server = remote as RemoteDatabase;
  let first: OmniMail;
  let second: OmniMail;
  let tenant: TestTenant;

  beforeAll(async () => {
    first = await startOmniMail({ databaseUrl: server.proxyUrl, busyTimeoutMs: 200 });
    second = await startOmniMail({ databaseUrl: server.proxyUrl, busyTimeoutMs: 200 });
    tenant = await first.addTenant("shared.test", ["alice"]);
  });
  afterAll(async () => {
    await first.stop();
    await second.stop();
    await server.stop();
  });

  async function storedCount(subject: string): Promise<number> {
    const rows = await first.database.client.execute({
      sql: "SELECT count(*) AS n FROM messages WHERE subject = ?",
      args: [subject],
    });
    return Number(rows.rows[0]?.n);
  }

  const send = (omni: OmniMail, subject: string) =>
    sendMail(omni.smtpPort, { from: "s@example.org", to: "alice@shared.test", subject, text: "x" }).then(
      (reply) => ({ subject, reply, ok: reply.startsWith("250") }),
      (error: unknown) => ({ subject, reply: String(error), ok: false }),
    );

  test("40 concurrent messages over two edges are each stored exactly once", async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => send(i % 2 === 0 ? first : second, `shared ${i}`)),
    );
    expect(results.filter((result) => !result.ok)).toEqual([]);
    for (const { subject } of results) expect(await storedCount(subject)).toBe(1);
  });

  test("the database lost under load: 451 within a bounded time, /readyz and API reads 503, then full recovery; nothing that got 250 is missing", async () => {
    const results: Array<{ subject: string; ok: boolean; reply: string; ms: number }> = [];
    let sending = true;
    let n = 0;
    const senders = Array.from({ length: 6 }, async (_, lane) => {
      while (sending) {
        const subject = `load ${lane}-${n++}`;
        const started = Date.now();
        const result = await send(lane % 2 === 0 ? first : second, subject);
        results.push({ ...result, ms: Date.now() - started });
      }
    });
    await waitFor(() => (results.length >= 10 ? true : undefined), 10_000);
    await server.proxy.down();
    try {
      await waitFor(async () => ((await fetch(`${first.apiUrl}/readyz`)).status === 503 ? true : undefined));
      const read = await first.api(
        `/v1/mailboxes/${tenant.mailboxes["alice@shared.test"]}/messages`,
        tenant.apiKey,
      );
      expect(read.status).toBe(503);
      expect(read.headers.get("content-type")).toBe("application/problem+json");
      expect(read.headers.get("retry-after")).toBe("5");
      await waitFor(
        () => (results.some((result) => result.reply.includes("451")) ? true : undefined),
        15_000,
      );
    } finally {
      server.proxy.up();
    }
    const afterRecovery = results.length;
    await waitFor(
      () => (results.slice(afterRecovery).filter((result) => result.ok).length >= 10 ? true : undefined),
      15_000,
    );
    sending = false;
    await Promise.all(senders);

    expect((await fetch(`${first.apiUrl}/readyz`)).status).toBe(200);
    const refused = results.filter((result) => !result.ok);
    expect(refused.length).toBeGreaterThan(0);
    // Refused quickly (4xx, so the senders retry), never left hanging.
    for (const result of refused) {
      expect(result.reply).toMatch(/4\d\d/);
      expect(result.ms).toBeLessThan(10_000);
    }
    for (const result of results.filter((entry) => entry.ok))
      expect(await storedCount(result.subject)).toBe(1);
    for (const result of refused) expect(await storedCount(result.subject)).toBe(0);
  });
});
