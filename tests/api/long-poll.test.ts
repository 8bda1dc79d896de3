import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../api/app";
import { createLogger } from "../../core/logger";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";
import { sendMail } from "../helpers/send";

let omni: OmniMail;
let acme: TestTenant;
let inbox: string;

type Page = { data: Array<{ id: string; subject: string }>; next_cursor: string | null };

const send = (subject: string) =>
  sendMail(omni.smtpPort, { from: "s@example.org", to: "inbox@acme.test", subject, text: subject });

async function newestId(): Promise<string> {
  const page = (await (
    await omni.api(`/v1/mailboxes/${inbox}/messages?limit=1`, acme.apiKey)
  ).json()) as Page;
  return page.data[0]?.id ?? "";
}

const waitPath = (query: string) => `/v1/mailboxes/${inbox}/messages/wait?${query}`;

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["inbox"]);
  inbox = acme.mailboxes["inbox@acme.test"] ?? "";
});
afterAll(() => omni.stop());

describe("GET /v1/mailboxes/{id}/messages/wait", () => {
  test("on an empty mailbox, answers with the first message as it is stored", async () => {
    const waiting = omni.api(waitPath("timeout=10"), acme.apiKey);
    await send("first");
    const response = await waiting;
    expect(response.status).toBe(200);
    const page = (await response.json()) as Page;
    expect(page.data.map((m) => m.subject)).toEqual(["first"]);
    expect(page.next_cursor).toBeNull();
  });

  test("answers within 100 ms of the commit (woken by it, not by polling)", async () => {
    const after = await newestId();
    let answeredAt = 0;
    const waiting = omni.api(waitPath(`after=${after}&timeout=10`), acme.apiKey).then((response) => {
      answeredAt = performance.now();
      return response;
    });
    await send("second");
    // The 250 is sent only after the commit, so this is at or after it.
    const committedBy = performance.now();
    const response = await waiting;
    expect(response.status).toBe(200);
    expect(((await response.json()) as Page).data.map((m) => m.subject)).toEqual(["second"]);
    expect(answeredAt - committedBy).toBeLessThan(100);
  });

  test("answers at once when newer messages already exist", async () => {
    const page = (await (
      await omni.api(waitPath("after=msg_00000000000000000000000000&timeout=60"), acme.apiKey)
    ).json()) as Page;
    // Oldest batch after `after`, shown newest first like the list.
    expect(page.data.map((m) => m.subject)).toEqual(["second", "first"]);
  });

  test("a burst bigger than `limit` is walked with after = data[0].id, nothing skipped", async () => {
    const after = await newestId();
    for (const subject of ["b1", "b2", "b3"]) await send(subject);
    const first = (await (
      await omni.api(waitPath(`after=${after}&limit=2&timeout=0`), acme.apiKey)
    ).json()) as Page;
    expect(first.data.map((m) => m.subject)).toEqual(["b2", "b1"]);
    const next = (await (
      await omni.api(waitPath(`after=${first.data[0]?.id}&limit=2&timeout=0`), acme.apiKey)
    ).json()) as Page;
    expect(next.data.map((m) => m.subject)).toEqual(["b3"]);
  });

  test("204 when nothing arrives before the timeout", async () => {
    const started = performance.now();
    const response = await omni.api(waitPath(`after=${await newestId()}&timeout=1`), acme.apiKey);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    // Without `after`: only mail stored after the request arrived counts, so the old mail is not news.
    expect((await omni.api(waitPath("timeout=0"), acme.apiKey)).status).toBe(204);
  });

  const bad: Array<[string, string, string]> = [
    ["timeout over the 60 s cap", "timeout=61", "query.timeout"],
    ["timeout not a number", "timeout=soon", "query.timeout"],
    ["negative timeout", "timeout=-1", "query.timeout"],
    ["after not a message id", "after=mbx_01JZ0000000000000000000000", "query.after"],
    ["limit over 100", "limit=500", "query.limit"],
  ];
  for (const [name, query, location] of bad) {
    test(`400 for ${name}`, async () => {
      const response = await omni.api(waitPath(query), acme.apiKey);
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { errors: Array<{ location: string }> };
      expect(problem.errors.map((e) => e.location)).toEqual([location]);
    });
  }

  test("without an in-process notifier (a Worker) it still answers, by re-checking every 2 s", async () => {
    // The same app over the same database, as a Worker would build it: no messageEvents.
    const app = createApp({
      store: omni.store,
      logger: createLogger("silent", "test"),
      publicUrl: "http://omnimail.test",
    });
    const after = await newestId();
    const waiting = app.request(waitPath(`after=${after}&timeout=10`), {
      headers: { authorization: `Bearer ${acme.apiKey}` },
    });
    await send("fallback");
    const committedBy = performance.now();
    const response = await waiting;
    expect(response.status).toBe(200);
    expect(((await response.json()) as Page).data.map((m) => m.subject)).toEqual(["fallback"]);
    expect(performance.now() - committedBy).toBeLessThan(2500);
  });
});

describe("commit order", () => {
  test("a message whose id is older but that commits later is still returned (ids are chosen on arrival)", async () => {
    const { ingestMessage } = await import("../../core/ingest/ingest-message");
    const { newId } = await import("../../core/ids");
    await send("newer id, committed first");
    const after = await newestId();
    // A big message that arrived earlier (older id) and finished parsing later.
    const lateId = newId("message", Date.now() - 60_000);
    const waiting = omni.api(waitPath(`after=${after}&timeout=10`), acme.apiKey);
    const late = await ingestMessage(
      { store: omni.store, links: { publicUrl: "http://omnimail.test" } },
      {
        ingress: "smtp",
        traceHeader: () => "Received: from test by omnimail.test; Tue, 1 Dec 2026 00:00:00 +0000\r\n",
        raw: new TextEncoder().encode("Subject: older id, committed later\r\n\r\nbig\r\n"),
        envelope: { mailFrom: "s@example.org", remoteIp: "127.0.0.1", helo: "client.test", tls: null },
        deliveries: [{ messageId: lateId, tenantId: acme.id, mailboxId: inbox, rcptTo: ["inbox@acme.test"] }],
      },
    );
    expect(late.status).toBe("stored");
    const response = await waiting;
    expect(response.status).toBe(200);
    expect(((await response.json()) as Page).data.map((m) => m.id)).toEqual([lateId]);
  });
});
