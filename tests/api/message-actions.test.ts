import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { sendMail } from "../helpers/send";

let omni: OmniMail;
let acme: TestTenant;
let inbox: string;

type Message = {
  id: string;
  seen: boolean;
  attachments: Array<{ id: string; url: string }>;
  raw_url: string;
};

async function receive(subject: string): Promise<Message> {
  await sendMail(omni.smtpPort, {
    from: "s@example.org",
    to: "inbox@acme.test",
    subject,
    text: `body of ${subject}`,
    attachments: [{ filename: "notes.txt", content: "attached words" }],
  });
  const summary = await waitFor(async () => {
    const page = (await (
      await omni.api(`/v1/mailboxes/${inbox}/messages?subject=${encodeURIComponent(subject)}`, acme.apiKey)
    ).json()) as { data: Array<{ id: string }> };
    return page.data[0];
  });
  return (await (await omni.api(`/v1/messages/${summary.id}`, acme.apiKey)).json()) as Message;
}

const patch = (id: string, body: string, contentType = "application/json") =>
  omni.api(`/v1/messages/${id}`, acme.apiKey, {
    method: "PATCH",
    headers: { "content-type": contentType },
    body,
  });

async function mailboxCounts() {
  const mailbox = (await (await omni.api(`/v1/mailboxes/${inbox}`, acme.apiKey)).json()) as {
    message_count: number;
    unread_count: number;
  };
  return { total: mailbox.message_count, unread: mailbox.unread_count };
}

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["inbox"]);
  inbox = acme.mailboxes["inbox@acme.test"] ?? "";
});
afterAll(() => omni.stop());

describe("PATCH /v1/messages/{id}", () => {
  test("marks read and unread; counts and the unread filter follow", async () => {
    const message = await receive("to read");
    expect(message.seen).toBe(false);
    expect(await mailboxCounts()).toEqual({ total: 1, unread: 1 });

    const read = await patch(message.id, JSON.stringify({ seen: true }));
    expect(read.status).toBe(200);
    expect(((await read.json()) as Message).seen).toBe(true);
    expect(await mailboxCounts()).toEqual({ total: 1, unread: 0 });
    const unread = (await (
      await omni.api(`/v1/mailboxes/${inbox}/messages?unread=true`, acme.apiKey)
    ).json()) as {
      data: unknown[];
    };
    expect(unread.data).toEqual([]);

    expect(((await (await patch(message.id, '{"seen":false}')).json()) as Message).seen).toBe(false);
    expect(await mailboxCounts()).toEqual({ total: 1, unread: 1 });
  });

  const bad: Array<[string, string, string, number, string]> = [
    ["an empty object", "{}", "application/json", 400, "body.seen"],
    ["seen as a string", '{"seen":"yes"}', "application/json", 400, "body.seen"],
    ["an unknown field", '{"seen":true,"flagged":true}', "application/json", 400, "body.flagged"],
    ["malformed JSON", '{"seen":tru', "application/json", 400, "body"],
    ["a JSON array", "[true]", "application/json", 400, "body"],
    ["a form body", "seen=true", "application/x-www-form-urlencoded", 415, "header.content-type"],
  ];
  for (const [name, body, contentType, status, location] of bad) {
    test(`${status} naming ${location} for ${name}`, async () => {
      const message = await waitFor(async () => {
        const page = (await (await omni.api(`/v1/mailboxes/${inbox}/messages`, acme.apiKey)).json()) as {
          data: Array<{ id: string }>;
        };
        return page.data[0];
      });
      const response = await patch(message.id, body, contentType);
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      const problem = (await response.json()) as { errors: Array<{ location: string }> };
      expect(problem.errors.map((e) => e.location)).toContain(location);
    });
  }
});

describe("DELETE /v1/messages/{id}", () => {
  test("the message, its raw bytes, attachments and search row are gone", async () => {
    const message = await receive("to delete");
    const attachment = message.attachments[0]?.id ?? "";
    const rowsOf = async (sql: string) =>
      Number((await omni.database.client.execute({ sql, args: [message.id] })).rows[0]?.n);
    const attachmentRows = "SELECT count(*) AS n FROM attachments WHERE message_id = ?";
    const searchRows =
      "SELECT count(*) AS n FROM messages_fts WHERE rowid = (SELECT rowid FROM messages WHERE id = ?)";
    expect(await rowsOf(attachmentRows)).toBe(1);
    expect(await rowsOf(searchRows)).toBe(1);
    // Read the search row's rowid now: after the delete the subquery above finds nothing either way.
    const { rows } = await omni.database.client.execute({
      sql: "SELECT rowid FROM messages WHERE id = ?",
      args: [message.id],
    });
    const rowid = Number(rows[0]?.rowid);

    const response = await omni.api(`/v1/messages/${message.id}`, acme.apiKey, { method: "DELETE" });
    expect(response.status).toBe(204);

    for (const path of [`/v1/messages/${message.id}`, `/v1/messages/${message.id}/raw`]) {
      expect((await omni.api(path, acme.apiKey)).status).toBe(404);
    }
    expect((await omni.api(`/v1/messages/${message.id}/attachments/${attachment}`, acme.apiKey)).status).toBe(
      404,
    );
    expect(await rowsOf(attachmentRows)).toBe(0);
    const left = await omni.database.client.execute({
      sql: "SELECT count(*) AS n FROM messages_fts WHERE rowid = ?",
      args: [rowid],
    });
    expect(Number(left.rows[0]?.n)).toBe(0);
    const search = (await (
      await omni.api(`/v1/mailboxes/${inbox}/messages?q=${encodeURIComponent('"to delete"')}`, acme.apiKey)
    ).json()) as { data: unknown[] };
    expect(search.data).toEqual([]);
    // Deleting twice: it is not there any more.
    expect((await omni.api(`/v1/messages/${message.id}`, acme.apiKey, { method: "DELETE" })).status).toBe(
      404,
    );
  });
});
