import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";
import { type RemoteDatabase, startRemoteDatabase } from "../helpers/remote-db";
import { sendMail } from "../helpers/send";
import { openRawSmtp } from "../helpers/smtp-client";

// On a remote database every statement is a network round trip: these are counted at a proxy in
// front of the shared libSQL test server (`POST /v2/pipeline` requests), as a metered service would.
const remote = await startRemoteDatabase();
if (!remote) console.warn("round-trips: no shared libSQL test server; these tests are skipped");

describe.skipIf(!remote)("round trips per operation on a remote database", () => {
  const server = remote as RemoteDatabase;
  let omni: OmniMail;
  let tenant: TestTenant;
  let mailbox: string;
  let messageId: string;

  beforeAll(async () => {
    // A long drain timer: only the commits' own nudges wake it during the counts.
    omni = await startOmniMail({ databaseUrl: server.proxyUrl, drainIntervalMs: 60_000 });
    tenant = await omni.addTenant("trips.test", ["alice", "bob"]);
    mailbox = tenant.mailboxes["alice@trips.test"] ?? "";
    await sendMail(omni.smtpPort, {
      from: "s@example.org",
      to: "alice@trips.test",
      subject: "warm",
      text: "x",
    });
    const page = (await (await omni.api(`/v1/mailboxes/${mailbox}/messages`, tenant.apiKey)).json()) as {
      data: Array<{ id: string }>;
    };
    messageId = page.data[0]?.id ?? "";
    await Bun.sleep(100);
  });
  afterAll(async () => {
    await omni.stop();
    await server.stop();
  });

  async function pipelines(work: () => Promise<unknown>): Promise<number> {
    server.proxy.resetCount();
    await work();
    return server.proxy.requests["/v2/pipeline"] ?? 0;
  }

  async function rcpt(address: string): Promise<number> {
    const smtp = await openRawSmtp(omni.smtpPort);
    await smtp.reply();
    await smtp.command("EHLO client.test");
    await smtp.command("MAIL FROM:<s@example.org>");
    const count = await pipelines(() => smtp.command(`RCPT TO:<${address}>`));
    smtp.close();
    return count;
  }

  test("RCPT TO: uncached 1, cached 0", async () => {
    expect(await rcpt("bob@trips.test")).toBe(1);
    expect(await rcpt("bob@trips.test")).toBe(0);
  });

  test("one message commit (copy, search row, blob, outbox rows) is 1", async () => {
    const smtp = await openRawSmtp(omni.smtpPort);
    await smtp.reply();
    await smtp.command("EHLO client.test");
    await smtp.command("MAIL FROM:<s@example.org>");
    await smtp.command("RCPT TO:<alice@trips.test>");
    await smtp.command("RCPT TO:<bob@trips.test>");
    await smtp.command("DATA");
    const count = await pipelines(async () => {
      smtp.write("Subject: counted\r\n\r\nbody\r\n.\r\n");
      expect((await smtp.reply()).code).toBe(250);
    });
    smtp.close();
    // On failure the message shows what each round trip was for.
    expect({ count, statements: count === 1 ? [] : server.proxy.statements }).toEqual({
      count: 1,
      statements: [],
    });
  });

  test("API list, search, get message and get raw are 1 each with a warm key", async () => {
    await omni.api("/v1/mailboxes", tenant.apiKey);
    const read = (path: string) =>
      pipelines(async () => expect((await omni.api(path, tenant.apiKey)).status).toBe(200));
    expect(await read(`/v1/mailboxes/${mailbox}/messages`)).toBe(1);
    expect(await read(`/v1/mailboxes/${mailbox}/messages?q=counted`)).toBe(1);
    expect(await read(`/v1/messages/${messageId}`)).toBe(1);
    expect(await read(`/v1/messages/${messageId}/raw`)).toBe(1);
    // The event log: the retention check, the mailbox check and the page in one batch.
    expect(await read("/v1/events?limit=10")).toBe(1);
    expect(await read(`/v1/events?mailbox_id=${mailbox}&types=message.received`)).toBe(1);
  });

  test("the drain: a pass with nothing due is 1; an idle edge asks nothing between its wake-ups", async () => {
    expect(
      await pipelines(
        () =>
          new Promise<void>((resolve) => {
            omni.drain.nudge();
            // The pass is one read; give it time to finish before counting.
            setTimeout(resolve, 300);
          }),
      ),
    ).toBe(1);
    expect(await pipelines(() => Bun.sleep(1500))).toBe(0);
  });
});
