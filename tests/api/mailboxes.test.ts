import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { sendMail } from "../helpers/send";

let omni: OmniMail;
let acme: TestTenant;
let globex: TestTenant;

type Mailbox = {
  id: string;
  address: string;
  domain_id: string;
  created_at: string;
  message_count: number;
  unread_count: number;
  retention_days: number | null;
};
type Problem = { status: number; detail: string; errors?: Array<{ location: string }> };

const createMailbox = (address: unknown, apiKey = acme.apiKey) =>
  omni.api("/v1/mailboxes", apiKey, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ address }),
  });

async function count(sql: string, args: string[]): Promise<number> {
  const result = await omni.database.client.execute({ sql, args });
  return Number(result.rows[0]?.n ?? -1);
}

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", []);
  globex = await omni.addTenant("globex.test", ["*"]);
});
afterAll(() => omni.stop());

describe("POST /v1/mailboxes", () => {
  test("creates a mailbox that receives mail at once; the local part keeps its case", async () => {
    const response = await createMailbox("Alice.Smith@ACME.test");
    expect(response.status).toBe(201);
    const mailbox = (await response.json()) as Mailbox;
    expect(mailbox).toEqual({
      id: expect.stringMatching(/^mbx_/),
      address: "Alice.Smith@acme.test",
      domain_id: expect.stringMatching(/^dom_/),
      created_at: expect.any(String),
      message_count: 0,
      unread_count: 0,
      retention_days: null,
    });
    await sendMail(omni.smtpPort, {
      from: "s@example.org",
      to: "alice.smith@acme.test",
      subject: "hi",
      text: "x",
    });
    const read = (await (await omni.api(`/v1/mailboxes/${mailbox.id}`, acme.apiKey)).json()) as Mailbox;
    expect(read.message_count).toBe(1);
  });

  test("the same address in another case is 409", async () => {
    expect((await createMailbox("alice.smith@acme.TEST")).status).toBe(409);
  });

  test("*@domain is the catch-all", async () => {
    const response = await createMailbox("*@acme.test");
    expect(response.status).toBe(201);
    expect(((await response.json()) as Mailbox).address).toBe("*@acme.test");
  });

  test("a domain that is not the tenant's (another's or nobody's) is 422 naming body.address", async () => {
    for (const address of ["bob@globex.test", "bob@nobody.example"]) {
      const response = await createMailbox(address);
      expect(response.status).toBe(422);
      const problem = (await response.json()) as Problem;
      expect(problem.errors?.map((e) => e.location)).toEqual(["body.address"]);
      // Same words whoever owns it: nothing about the other tenant.
      expect(problem.detail).toContain("is not one of this tenant's domains");
    }
  });

  const invalid = [
    "no-at-sign",
    "@acme.test",
    "alice@",
    "a b@acme.test",
    "a..b@acme.test",
    ".alice@acme.test",
    "alice.@acme.test",
    '"quoted"@acme.test',
    "alice@acme",
    "alice@localhost",
    "<alice>@acme.test",
    `${"x".repeat(65)}@acme.test`,
    "ali\u0000ce@acme.test",
  ];
  for (const address of invalid) {
    test(`422 body.address for ${JSON.stringify(address)}`, async () => {
      const response = await createMailbox(address);
      expect(response.status).toBeOneOf([400, 422]);
      const problem = (await response.json()) as Problem;
      expect(problem.errors?.map((e) => e.location)).toEqual(["body.address"]);
    });
  }

  test("valid unusual addresses: subaddress-like, symbols, non-ASCII (SMTPUTF8)", async () => {
    for (const address of ["team+ops@acme.test", "o'brien@acme.test", "jörg@acme.test", "a_b-c@acme.test"]) {
      expect({ address, status: (await createMailbox(address)).status }).toEqual({ address, status: 201 });
    }
  });

  test("wrong types are 400 naming the field", async () => {
    for (const body of [{ address: 5 }, { address: null }, {}, { address: "x@acme.test", name: "x" }]) {
      const response = await omni.api("/v1/mailboxes", acme.apiKey, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      const locations = ((await response.json()) as Problem).errors?.map((e) => e.location) ?? [];
      expect(locations.length).toBeGreaterThan(0);
      expect(locations.every((location) => location === "body" || location.startsWith("body."))).toBe(true);
    }
  });
});

describe("DELETE /v1/mailboxes/{id}", () => {
  test("deletes the mailbox with its messages, attachments and search rows, in one go", async () => {
    const mailbox = (await (await createMailbox("doomed@acme.test")).json()) as Mailbox;
    for (const i of [1, 2]) {
      await sendMail(omni.smtpPort, {
        from: "s@example.org",
        to: "doomed@acme.test",
        subject: `doomed ${i}`,
        text: "quuxwidget",
        attachments: [{ filename: "a.txt", content: "attached" }],
      });
    }
    const page = await waitFor(async () => {
      const body = (await (await omni.api(`/v1/mailboxes/${mailbox.id}/messages`, acme.apiKey)).json()) as {
        data: Array<{ id: string }>;
      };
      return body.data.length === 2 ? body.data : undefined;
    });
    const ids = page.map((m) => m.id);
    const inMailbox = "SELECT count(*) AS n FROM messages WHERE mailbox_id = ?";
    const attachmentsOf = "SELECT count(*) AS n FROM attachments WHERE message_id IN (?, ?)";
    const searchRows = "SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH 'quuxwidget'";
    expect(await count(inMailbox, [mailbox.id])).toBe(2);
    expect(await count(attachmentsOf, ids)).toBe(2);
    expect(await count(searchRows, [])).toBe(2);

    expect((await omni.api(`/v1/mailboxes/${mailbox.id}`, acme.apiKey, { method: "DELETE" })).status).toBe(
      204,
    );

    expect(await count(inMailbox, [mailbox.id])).toBe(0);
    expect(await count(attachmentsOf, ids)).toBe(0);
    expect(await count(searchRows, [])).toBe(0);
    expect((await omni.api(`/v1/mailboxes/${mailbox.id}`, acme.apiKey)).status).toBe(404);
    for (const id of ids) expect((await omni.api(`/v1/messages/${id}`, acme.apiKey)).status).toBe(404);
    // The tenant's other mail is untouched.
    expect(await count("SELECT count(*) AS n FROM messages WHERE tenant_id = ?", [acme.id])).toBe(1);
  });

  test("a mailbox a webhook is filtered to is 409 until the webhook goes", async () => {
    const mailbox = (await (await createMailbox("hooked@acme.test")).json()) as Mailbox;
    const webhook = await omni.api("/v1/webhooks", acme.apiKey, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: "http://127.0.0.1:9/hook", mailbox_id: mailbox.id }),
    });
    expect(webhook.status).toBe(201);
    const { id: webhookId } = (await webhook.json()) as { id: string };
    const refused = await omni.api(`/v1/mailboxes/${mailbox.id}`, acme.apiKey, { method: "DELETE" });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as Problem).detail).toContain(webhookId);
    expect((await omni.api(`/v1/webhooks/${webhookId}`, acme.apiKey, { method: "DELETE" })).status).toBe(204);
    expect((await omni.api(`/v1/mailboxes/${mailbox.id}`, acme.apiKey, { method: "DELETE" })).status).toBe(
      204,
    );
  });

  test("another tenant's mailbox is 404 and stays", async () => {
    const theirs = globex.mailboxes["*@globex.test"] ?? "";
    expect((await omni.api(`/v1/mailboxes/${theirs}`, acme.apiKey, { method: "DELETE" })).status).toBe(404);
    expect((await omni.api(`/v1/mailboxes/${theirs}`, globex.apiKey)).status).toBe(200);
  });
});
