import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";
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
