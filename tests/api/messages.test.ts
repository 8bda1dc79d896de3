import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import nodemailer from "nodemailer";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";

let omni: OmniMail;
let acme: TestTenant;
let other: TestTenant;
let inbox: string;

type Page = { data: Array<{ id: string; subject: string }>; next_cursor: string | null };

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["inbox"]);
  other = await omni.addTenant("other.test", ["*"]);
  inbox = acme.mailboxes["inbox@acme.test"] ?? "";
});
afterAll(() => omni.stop());

/** Sends `count` messages over one pooled connection (as a real sender would). */
async function sendMany(count: number, prefix: string) {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: omni.smtpPort,
    ignoreTLS: true,
    pool: true,
    maxConnections: 4,
  });
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      transport.sendMail({
        from: "s@example.org",
        to: "inbox@acme.test",
        subject: `${prefix} ${i}`,
        text: `body ${i}`,
      }),
    ),
  );
  transport.close();
}

describe("GET /v1/mailboxes/{id}/messages", () => {
  test("cursor pagination returns every message exactly once, newest first, while new mail keeps arriving", async () => {
    await sendMany(300, "page");
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let arriving: Promise<void> | null = null;
    do {
      const query: string = cursor ? `?limit=17&cursor=${cursor}` : "?limit=17";
      const response = await omni.api(`/v1/mailboxes/${inbox}/messages${query}`, acme.apiKey);
      expect(response.status).toBe(200);
      const page = (await response.json()) as Page;
      seen.push(...page.data.filter((m) => m.subject.startsWith("page ")).map((m) => m.id));
      cursor = page.next_cursor;
      pages++;
      // After the first page, more mail arrives; it must not shift later pages.
      if (pages === 1) arriving = sendMany(20, "late");
    } while (cursor);
    await arriving;
    expect(seen.length).toBe(300);
    expect(new Set(seen).size).toBe(300);
    expect([...seen].sort().reverse()).toEqual(seen);
  });

  test("mailbox list shows counts", async () => {
    const response = await omni.api("/v1/mailboxes", acme.apiKey);
    const body = (await response.json()) as {
      data: Array<{ id: string; address: string; message_count: number; unread_count: number }>;
    };
    expect(body.data).toEqual([
      expect.objectContaining({
        id: inbox,
        address: "inbox@acme.test",
        message_count: 320,
        unread_count: 320,
      }),
    ]);
  });

  test("list routes never return another tenant's rows", async () => {
    const response = await omni.api("/v1/mailboxes", other.apiKey);
    const body = (await response.json()) as Page;
    expect(body.data.map((m) => m.id)).toEqual([other.mailboxes["*@other.test"] ?? ""]);
  });
});

describe("errors are problem+json naming the field", () => {
  const cases: Array<[string, string, number, string | null]> = [
    ["limit over 100", "?limit=1000", 400, "query.limit"],
    ["limit not a number", "?limit=ten", 400, "query.limit"],
    ["limit zero", "?limit=0", 400, "query.limit"],
    ["cursor we never issued", "?cursor=bm90LWEtY3Vyc29y", 400, "query.cursor"],
    ["since not a date", "?since=yesterday", 400, "query.since"],
  ];
  for (const [name, query, status, location] of cases) {
    test(name, async () => {
      const response = await omni.api(`/v1/mailboxes/${inbox}/messages${query}`, acme.apiKey);
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      const problem = (await response.json()) as { status: number; errors?: Array<{ location: string }> };
      expect(problem.status).toBe(status);
      expect(problem.errors?.map((e) => e.location)).toContain(location ?? "");
    });
  }

  test("unknown and malformed ids answer 404, not 500", async () => {
    for (const path of [
      "/v1/messages/msg_01JZ0000000000000000000000",
      "/v1/messages/nonsense",
      "/v1/mailboxes/mbx_x/messages",
      "/v1/messages/msg_01JZ0000000000000000000000/attachments/att_01JZ0000000000000000000000",
    ]) {
      const response = await omni.api(path, acme.apiKey);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
  });

  const authCases: Array<[string, Record<string, string>]> = [
    ["no Authorization header", {}],
    ["not a bearer token", { authorization: "Basic YWxpY2U6c2VjcmV0" }],
    ["unknown key", { authorization: "Bearer om_live_00000000000000000000000000000000" }],
    ["empty bearer", { authorization: "Bearer " }],
  ];
  for (const [name, headers] of authCases) {
    test(`401 for ${name}`, async () => {
      const response = await fetch(`${omni.apiUrl}/v1/mailboxes`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(response.headers.get("www-authenticate")).toContain("Bearer");
    });
  }

  test("health needs no key", async () => {
    const response = await fetch(`${omni.apiUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
    expect((await fetch(`${omni.apiUrl}/readyz`)).status).toBe(200);
  });
});
