import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { createApp } from "../../api/app";
import { serveApp } from "../../api/bun";
import { createLogger } from "../../core/logger";
import { createTenant } from "../../core/tenancy/tenants";
import { createInlineStore } from "../../db/store";
import {
  type OmniMail,
  openTestDatabase,
  startOmniMail,
  type TestTenant,
  tempDir,
  waitFor,
} from "../helpers/harness";
import { sendMail } from "../helpers/send";
import { openSse } from "../helpers/sse";

/** GET /v1/events/stream: the log as Server-Sent Events, resumed with Last-Event-ID. */

let omni: OmniMail;
let acme: TestTenant;
let globex: TestTenant;

const streamUrl = () => `${omni.apiUrl}/v1/events/stream`;
const send = (to: string, subject: string) =>
  sendMail(omni.smtpPort, { from: "s@example.org", to, subject, text: subject });

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["inbox"]);
  globex = await omni.addTenant("globex.test", ["inbox"]);
});
afterAll(() => omni.stop());

describe("GET /v1/events/stream", () => {
  test("an idle stream sends a heartbeat comment at its interval, and ends its slot when the client leaves", async () => {
    // The same app with a short heartbeat (15 s in production), served by Bun as `npm run api` serves it.
    const dir = tempDir("omnimail-heartbeat-");
    const { database } = await openTestDatabase(dir);
    const store = createInlineStore(database);
    const { apiKey } = await createTenant(store, { name: "quiet" });
    const app = createApp({
      store,
      logger: createLogger("silent", "test"),
      publicUrl: "http://omnimail.test",
      eventStreamHeartbeatMs: 150,
      longPollsPerKey: 1,
    });
    const served = serveApp(app, { port: 0, hostname: "127.0.0.1" });
    const url = `http://127.0.0.1:${served.port}/v1/events/stream`;
    try {
      const stream = await openSse(url, { authorization: `Bearer ${apiKey.key}` });
      expect(stream.status).toBe(200);
      await expect(stream.next(700)).rejects.toThrow("no event in time");
      expect(stream.comments).toBeGreaterThanOrEqual(3);
      // One stream per key here: a second is refused while the first is open, and allowed once it is closed.
      expect((await fetch(url, { headers: { authorization: `Bearer ${apiKey.key}` } })).status).toBe(429);
      // Streams and long polls share the one count: the event log's long poll is refused too.
      const poll = await fetch(`http://127.0.0.1:${served.port}/v1/events?wait=1`, {
        headers: { authorization: `Bearer ${apiKey.key}` },
      });
      expect(poll.status).toBe(429);
      expect(((await poll.json()) as { detail: string }).detail).toContain("OMNIMAIL_LONG_POLLS_PER_KEY");
      stream.close();
      const again = await waitFor(async () => {
        const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey.key}` } });
        if (response.status === 200) return response;
        await response.body?.cancel();
        return undefined;
      });
      await again.body?.cancel();
    } finally {
      await served.stop();
      database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a stream cut mid-way and resumed with Last-Event-ID repeats and misses nothing", async () => {
    const auth = { authorization: `Bearer ${acme.apiKey}` };
    const first = await openSse(streamUrl(), auth);
    expect(first.status).toBe(200);
    for (const subject of ["s1", "s2", "s3"]) await send("inbox@acme.test", subject);
    // Another tenant's mail in between never shows.
    await send("inbox@globex.test", "not yours");
    const got = [await first.next(), await first.next()];
    first.close();
    expect(got.map((event) => event.event)).toEqual(["message.received", "message.received"]);
    expect(got.map((event) => JSON.parse(event.data).data.subject)).toEqual(["s1", "s2"]);
    // The frame's id is the event's id.
    expect(got.map((event) => event.id)).toEqual(got.map((event) => JSON.parse(event.data).id));
    // While disconnected, more mail.
    for (const subject of ["s4", "s5"]) await send("inbox@acme.test", subject);

    const resumed = await openSse(streamUrl(), { ...auth, "last-event-id": got[1]?.id ?? "" });
    const rest = [await resumed.next(), await resumed.next(), await resumed.next()];
    expect(rest.map((event) => JSON.parse(event.data).data.subject)).toEqual(["s3", "s4", "s5"]);
    // And live again: the next commit arrives on the open stream.
    const started = performance.now();
    await send("inbox@acme.test", "live");
    const live = await resumed.next();
    expect(JSON.parse(live.data).data.subject).toBe("live");
    expect(performance.now() - started).toBeLessThan(2000);
    resumed.close();
    // Ids strictly increase along the stream.
    const ids = [...got, ...rest, live].map((event) => event.id ?? "");
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("?after= resumes like Last-Event-ID, and the header wins when both are sent (a reconnect)", async () => {
    const page = (await (await omni.api("/v1/events?limit=100", acme.apiKey)).json()) as {
      data: Array<{ id: string; data: { subject: string } }>;
    };
    const [a, b] = page.data;
    const withAfter = await openSse(`${streamUrl()}?after=${a?.id}`, {
      authorization: `Bearer ${acme.apiKey}`,
    });
    expect(JSON.parse((await withAfter.next()).data).id).toBe(b?.id);
    withAfter.close();
    const both = await openSse(`${streamUrl()}?after=${a?.id}`, {
      authorization: `Bearer ${acme.apiKey}`,
      "last-event-id": b?.id ?? "",
    });
    expect(JSON.parse((await both.next()).data).id).toBe(page.data[2]?.id);
    both.close();
  });

  test("a bad Last-Event-ID is a 400 naming the header; another tenant's mailbox filter is 404", async () => {
    const bad = await fetch(streamUrl(), {
      headers: { authorization: `Bearer ${acme.apiKey}`, "last-event-id": "yesterday" },
    });
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as { errors: Array<{ location: string }> };
    expect(problem.errors[0]?.location).toBe("header.last-event-id");
    const foreign = await fetch(`${streamUrl()}?mailbox_id=${globex.mailboxes["inbox@globex.test"]}`, {
      headers: { authorization: `Bearer ${acme.apiKey}` },
    });
    expect(foreign.status).toBe(404);
  });
});
