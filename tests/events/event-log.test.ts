import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import nodemailer from "nodemailer";
import { purgeExpiredEvents } from "../../core/events/retention";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { startReceiver } from "../helpers/receiver";
import { sendMail } from "../helpers/send";

/**
 * The event log (GET /v1/events): every event a webhook can carry, kept per
 * tenant in commit order, read with a cursor by a consumer that was offline,
 * and never across tenants.
 */

let omni: OmniMail;
let acme: TestTenant;
let globex: TestTenant;
let inbox: string;
let sales: string;

interface EventJson {
  id: string;
  type: string;
  created_at: string;
  data: Record<string, unknown>;
}
type EventPage = { data: EventJson[]; next_cursor: string | null };

const events = async (query: string, tenant = acme): Promise<EventPage> => {
  const response = await omni.api(`/v1/events?${query}`, tenant.apiKey);
  expect(response.status).toBe(200);
  return (await response.json()) as EventPage;
};

/** Every event after `after`, page by page, as a consumer walks the log. */
async function readAll(after: string | null, query = "", tenant = acme): Promise<EventJson[]> {
  const all: EventJson[] = [];
  let cursor = after;
  for (;;) {
    const page = await events(`limit=100${cursor ? `&after=${cursor}` : ""}${query}`, tenant);
    all.push(...page.data);
    if (page.data.length === 0) return all;
    cursor = page.next_cursor;
  }
}

const latestCursor = async (tenant = acme) => {
  const all = await readAll(null, "", tenant);
  return all[all.length - 1]?.id ?? null;
};

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["inbox", "sales"]);
  globex = await omni.addTenant("globex.test", ["inbox"]);
  inbox = acme.mailboxes["inbox@acme.test"] ?? "";
  sales = acme.mailboxes["sales@acme.test"] ?? "";
});
afterAll(() => omni.stop());

describe("GET /v1/events", () => {
  test("a consumer offline while 1,000 messages arrive resumes from its cursor and gets each exactly once, in commit order", async () => {
    const cursor = await latestCursor();
    const pool = nodemailer.createTransport({
      host: "127.0.0.1",
      port: omni.smtpPort,
      secure: false,
      ignoreTLS: true,
      pool: true,
      maxConnections: 8,
      maxMessages: Number.POSITIVE_INFINITY,
    });
    const subjects = Array.from({ length: 1000 }, (_, index) => `bulk ${index}`);
    try {
      await Promise.all(
        subjects.map((subject, index) =>
          pool.sendMail({
            from: "s@example.org",
            to: index % 2 === 0 ? "inbox@acme.test" : "sales@acme.test",
            subject,
            text: subject,
          }),
        ),
      );
    } finally {
      pool.close();
    }
    const seen = await readAll(cursor);
    expect(seen.length).toBe(1000);
    expect(new Set(seen.map((event) => event.data.id)).size).toBe(1000);
    expect(new Set(seen.map((event) => event.data.subject))).toEqual(new Set(subjects));
    expect(seen.every((event) => event.type === "message.received")).toBe(true);
    // Ids increase in commit order: as numbers and as text.
    const ids = seen.map((event) => event.id);
    expect([...ids].sort()).toEqual(ids);
    // Each message id is the message that the API has, in the mailbox it names.
    const sample = seen[500] as EventJson;
    const message = (await (await omni.api(`/v1/messages/${sample.data.id}`, acme.apiKey)).json()) as {
      mailbox_id: string;
      subject: string;
    };
    expect(message.subject).toBe(sample.data.subject as string);
    expect(message.mailbox_id).toBe(sample.data.mailbox_id as string);
    // The mailbox filter keeps that mailbox's half.
    const salesOnly = await readAll(cursor, `&mailbox_id=${sales}`);
    expect(salesOnly.length).toBe(500);
    expect(salesOnly.every((event) => event.data.mailbox_id === sales)).toBe(true);
  }, 120_000);

  test("an empty page hands back the cursor it was given, so a poller keeps its place", async () => {
    const cursor = (await latestCursor()) as string;
    const page = await events(`after=${cursor}`);
    expect(page.data).toEqual([]);
    expect(page.next_cursor).toBe(cursor);
  });

  test("deletions, read marks and a disabled endpoint are events too, each with its documented data", async () => {
    const cursor = await latestCursor();
    await sendMail(omni.smtpPort, { from: "s@example.org", to: "inbox@acme.test", subject: "to change" });
    const [received] = await readAll(cursor);
    const messageId = received?.data.id as string;

    const mark = (seen: boolean) =>
      omni.api(`/v1/messages/${messageId}`, acme.apiKey, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ seen }),
      });
    expect((await mark(true)).status).toBe(200);
    // The same state again changes nothing, and is no event.
    expect((await mark(true)).status).toBe(200);
    expect((await omni.api(`/v1/messages/${messageId}`, acme.apiKey, { method: "DELETE" })).status).toBe(204);

    const created = await omni.api("/v1/webhooks", acme.apiKey, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: "http://127.0.0.1:9/hook" }),
    });
    const endpoint = (await created.json()) as { id: string };
    await omni.api(`/v1/webhooks/${endpoint.id}`, acme.apiKey, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ enabled: false }),
    });

    const log = await readAll(cursor);
    expect(log.map((event) => event.type)).toEqual([
      "message.received",
      "message.updated",
      "message.deleted",
      "webhook.endpoint.disabled",
    ]);
    const [, updated, deleted, disabled] = log as [EventJson, EventJson, EventJson, EventJson];
    expect(updated.data).toEqual({
      id: messageId,
      mailbox_id: inbox,
      seen: true,
      updated_at: updated.created_at,
    });
    expect(deleted.data).toEqual({
      id: messageId,
      mailbox_id: inbox,
      deleted_at: deleted.created_at,
      reason: "api",
    });
    expect(disabled.data).toEqual({
      endpoint_id: endpoint.id,
      url: "http://127.0.0.1:9/hook",
      reason: "disabled through the API",
      disabled_at: disabled.created_at,
    });
    // The type filter.
    const deletions = await readAll(cursor, "&types=message.deleted,message.updated");
    expect(deletions.map((event) => event.type)).toEqual(["message.updated", "message.deleted"]);
    await omni.api(`/v1/webhooks/${endpoint.id}`, acme.apiKey, { method: "DELETE" });
  });

  test("events never cross tenants: another tenant's log, cursor and mailbox filter show none of them", async () => {
    const before = await latestCursor(globex);
    await sendMail(omni.smtpPort, { from: "s@example.org", to: "inbox@globex.test", subject: "globex only" });
    const acmeView = await readAll(null);
    expect(acmeView.some((event) => event.data.subject === "globex only")).toBe(false);
    const globexView = await readAll(before, "", globex);
    expect(globexView.map((event) => event.data.subject)).toEqual(["globex only"]);
    // acme's cursor used by globex reads globex's events only.
    const acmeCursor = acmeView[0]?.id as string;
    const crossed = await readAll(acmeCursor, "", globex);
    expect(crossed.every((event) => event.data.mailbox_id === globex.mailboxes["inbox@globex.test"])).toBe(
      true,
    );
    const foreignMailbox = await omni.api(`/v1/events?mailbox_id=${inbox}`, globex.apiKey);
    expect(foreignMailbox.status).toBe(404);
  });

  test("wait holds an empty page and answers within 100 ms of the commit", async () => {
    const cursor = await latestCursor();
    let answeredAt = 0;
    const waiting = omni.api(`/v1/events?after=${cursor}&wait=10`, acme.apiKey).then((response) => {
      answeredAt = performance.now();
      return response;
    });
    await Bun.sleep(50);
    await sendMail(omni.smtpPort, { from: "s@example.org", to: "inbox@acme.test", subject: "awaited" });
    const committedBy = performance.now();
    const page = (await (await waiting).json()) as EventPage;
    expect(page.data.map((event) => event.data.subject)).toEqual(["awaited"]);
    expect(answeredAt - committedBy).toBeLessThan(100);
  });

  test("a malformed cursor or an unknown type is a 400 naming the parameter", async () => {
    const badCursor = await omni.api("/v1/events?after=msg_01", acme.apiKey);
    expect(badCursor.status).toBe(400);
    expect(((await badCursor.json()) as { errors: Array<{ location: string }> }).errors[0]?.location).toBe(
      "query.after",
    );
    const badType = await omni.api("/v1/events?types=message.exploded", acme.apiKey);
    expect(badType.status).toBe(400);
    expect(((await badType.json()) as { errors: Array<{ location: string }> }).errors[0]?.location).toBe(
      "query.types",
    );
  });

  test("each webhook delivery carries its event: the body's data is the event's data, the webhook-id stays the delivery's", async () => {
    const receiver = startReceiver();
    try {
      const created = await omni.api("/v1/webhooks", acme.apiKey, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: receiver.url, events: ["message.received", "message.deleted"] }),
      });
      const endpoint = (await created.json()) as { id: string };
      const cursor = await latestCursor();
      await sendMail(omni.smtpPort, { from: "s@example.org", to: "inbox@acme.test", subject: "hooked" });
      const [event] = await readAll(cursor);
      await omni.api(`/v1/messages/${event?.data.id}`, acme.apiKey, { method: "DELETE" });
      await waitFor(() => (receiver.received.length >= 2 ? true : undefined));
      const bodies = receiver.received.map(
        (hook) => JSON.parse(hook.body) as EventJson & { timestamp: string },
      );
      const log = await readAll(cursor);
      expect(bodies.map((body) => body.type)).toEqual(["message.received", "message.deleted"]);
      // The same data; its links are signed when each is sent or read, so their expiry may differ by a second.
      const unsigned = (data: Record<string, unknown>) =>
        JSON.parse(
          JSON.stringify(data)
            .replace(/\?expires=\d+&sig=[\w-]+/g, "")
            .replace(/"expires_at":"[^"]*"/g, '"expires_at":""'),
        );
      expect(bodies.map((body) => unsigned(body.data))).toEqual(log.map((entry) => unsigned(entry.data)));
      expect(bodies.map((body) => body.timestamp)).toEqual(log.map((entry) => entry.created_at));
      const ids = receiver.received.map((hook) => hook.headers["webhook-id"]);
      expect(ids.every((id) => id?.startsWith("dlv_") && id.endsWith(endpoint.id.slice(3)))).toBe(true);
      await omni.api(`/v1/webhooks/${endpoint.id}`, acme.apiKey, { method: "DELETE" });
    } finally {
      receiver.stop();
    }
  });

  test("retention: a cursor from before what retention deleted is 410, and the log starts again without one", async () => {
    const old = (await readAll(null))[0]?.id as string;
    await sendMail(omni.smtpPort, { from: "s@example.org", to: "inbox@acme.test", subject: "kept" });
    const [latest] = (await readAll(null)).slice(-1);
    // Eight days from now, every event but none of a later day is past the default 7.
    const deleted = await purgeExpiredEvents(omni.store, {
      retentionDays: 7,
      now: Date.now() + 8 * 86_400_000,
    });
    expect(deleted).toBeGreaterThan(1000);
    const gone = await omni.api(`/v1/events?after=${old}`, acme.apiKey);
    expect(gone.status).toBe(410);
    expect(gone.headers.get("content-type")).toContain("application/problem+json");
    expect(((await gone.json()) as { detail: string }).detail).toContain("OMNIMAIL_EVENT_RETENTION_DAYS");
    // Without a cursor: from the oldest kept (none now); the newest id as a cursor is still good.
    expect((await events("")).data).toEqual([]);
    expect((await omni.api(`/v1/events?after=${latest?.id}`, acme.apiKey)).status).toBe(200);
    // Ids go on increasing after everything was deleted (never reused).
    await sendMail(omni.smtpPort, { from: "s@example.org", to: "inbox@acme.test", subject: "after purge" });
    const [next] = await readAll(latest?.id ?? null);
    expect(next?.data.subject).toBe("after purge");
    expect((next?.id ?? "") > (latest?.id ?? "")).toBe(true);
  });
});
