import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { newId } from "../../core/ids";
import { ingestMessage } from "../../core/ingest/ingest-message";
import { createDomain, markDomainVerified } from "../../core/tenancy/domains";
import { createMailbox } from "../../core/tenancy/mailboxes";
import { createTenant } from "../../core/tenancy/tenants";
import { createDatabase } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import { createInlineStore, type Store } from "../../db/store";
import { waitFor } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { type RemoteDatabase, startRemoteDatabase } from "../helpers/remote-db";
import { type RunningWorker, startWorkerBundle } from "../helpers/worker-bundle";

// The Worker as deployed beside a remote libSQL database: its long poll re-checks the database
// (no in-process notifier in an isolate), and its cron drains the outbox to a real receiver.
const remote = await startRemoteDatabase();
if (!remote) console.warn("worker-remote: no shared libSQL test server; skipped");

describe.skipIf(!remote)("the Worker on a remote database", () => {
  const server = remote as RemoteDatabase;
  let worker: RunningWorker;
  let store: Store;
  let key: string;
  let tenantId: string;
  let mailboxId: string;
  let receiver: Receiver;

  beforeAll(async () => {
    const database = await createDatabase({ url: server.url });
    await migrateDatabase(database);
    store = createInlineStore(database);
    const { tenant, apiKey } = await createTenant(store, { name: "cron" });
    tenantId = tenant.id;
    key = apiKey.key;
    await markDomainVerified(store, (await createDomain(store, tenant.id, { name: "cron.test" })).id);
    mailboxId = (await createMailbox(store, tenant.id, { address: "*@cron.test" })).id;
    worker = await startWorkerBundle({
      DATABASE_URL: server.url,
      OMNIMAIL_PUBLIC_URL: "https://mail.cron.test",
      OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS: "1",
    });
    receiver = startReceiver();
  }, 90_000);
  afterAll(async () => {
    receiver?.stop();
    await worker?.stop();
    await store?.close();
    await server.stop();
  });

  const api = (path: string, init?: RequestInit) =>
    worker.fetchApi("https://mail.cron.test", key, path, init);

  /** A message stored by another process (an SMTP edge elsewhere), straight through core/ingest. */
  const storeElsewhere = (subject: string) =>
    ingestMessage(
      { store, links: { publicUrl: "https://mail.cron.test" } },
      {
        ingress: "smtp",
        raw: new TextEncoder().encode(`From: a@example.org\r\nSubject: ${subject}\r\n\r\nbody\r\n`),
        traceHeader: () => "Received: from test by mx.cron.test; Tue, 1 Dec 2026 00:00:00 +0000\r\n",
        envelope: { mailFrom: "a@example.org", remoteIp: "127.0.0.1", helo: "test", tls: null },
        deliveries: [{ messageId: newId("message"), tenantId, mailboxId, rcptTo: ["x@cron.test"] }],
      },
    );

  test("a long poll in the Worker answers with mail another process stored, within its re-check delay", async () => {
    const waiting = api(`/v1/mailboxes/${mailboxId}/messages/wait?timeout=20`);
    await Bun.sleep(300);
    const storedAt = Date.now();
    expect((await storeElsewhere("polled")).status).toBe("stored");
    const response = await waiting;
    expect(response.status).toBe(200);
    const page = (await response.json()) as { data: Array<{ subject: string }> };
    expect(page.data.map((message) => message.subject)).toEqual(["polled"]);
    expect(Date.now() - storedAt).toBeLessThan(5000);
  });

  test("the Worker's event log: a long poll and the SSE stream see what another process stored", async () => {
    const start = (await (await api("/v1/events?limit=100")).json()) as { next_cursor: string | null };
    const waiting = api(`/v1/events?wait=20${start.next_cursor ? `&after=${start.next_cursor}` : ""}`);
    await Bun.sleep(300);
    expect((await storeElsewhere("logged")).status).toBe("stored");
    const page = (await (await waiting).json()) as { data: Array<{ id: string; data: { subject: string } }> };
    expect(page.data.map((event) => event.data.subject)).toEqual(["logged"]);
    // The stream from before that event replays it, framed as Server-Sent Events.
    const abort = new AbortController();
    const stream = await api(`/v1/events/stream?after=${start.next_cursor ?? "evt_000000000000"}`, {
      signal: abort.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    const reader = stream.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    let text = "";
    while (!text.includes("event: message.received")) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    abort.abort();
    expect(text).toContain(`id: ${page.data[0]?.id}`);
  });

  test("the cron drains what another process queued: a signed POST to a real receiver", async () => {
    const created = await api("/v1/webhooks", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: receiver.url }),
    });
    expect(created.status).toBe(201);
    const { secret } = (await created.json()) as { secret: string };
    // Stored elsewhere, with nobody there to drain it: the outbox row waits for the cron.
    expect(await storeElsewhere("for the cron")).toMatchObject({ status: "stored", announced: 1 });
    expect(receiver.received.length).toBe(0);
    const entry = (await worker.mf.getWorker()) as unknown as {
      scheduled(options: { cron: string }): Promise<{ outcome: string }>;
    };
    expect((await entry.scheduled({ cron: "* * * * *" })).outcome).toBe("ok");
    const hook = await waitFor(() => receiver.received[0], 10_000);
    const event = new Webhook(secret).verify(hook.body, hook.headers) as { data: { subject: string } };
    expect(event.data.subject).toBe("for the cron");
  });
});
