import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { authenticateApiKey } from "../../core/tenancy/api-keys";
import { createDatabase } from "../../db/client";
import { createInlineStore } from "../../db/store";
import { type OmniMail, startOmniMail, type TestTenant, tempDir } from "../helpers/harness";
import { openRawSmtp } from "../helpers/smtp-client";

/** `npm run omnimail -- …` is `bun main/cli.ts …`: run it as a process, on a database no server has open. */

const dir = tempDir("omnimail-cli-");
const databaseUrl = `file:${join(dir, "cli.db")}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function omnimail(...args: string[]) {
  return omnimailWith({}, ...args);
}

async function omnimailWith(env: Record<string, string>, ...args: string[]) {
  const child = Bun.spawn([process.execPath, "main/cli.ts", ...args], {
    cwd: join(import.meta.dir, "../.."),
    env: { PATH: process.env.PATH ?? "", DATABASE_URL: databaseUrl, LOG_LEVEL: "silent", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, code };
}

/** stdout as bytes, for `messages raw`. */
async function omnimailBytes(env: Record<string, string>, ...args: string[]) {
  const child = Bun.spawn([process.execPath, "main/cli.ts", ...args], {
    cwd: join(import.meta.dir, "../.."),
    env: { PATH: process.env.PATH ?? "", DATABASE_URL: databaseUrl, LOG_LEVEL: "silent", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).arrayBuffer(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout: new Uint8Array(stdout), stderr, code };
}

async function json<T>(...args: string[]): Promise<T> {
  const result = await omnimail(...args, "--json");
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
  return JSON.parse(result.stdout) as T;
}

describe("npm run omnimail", () => {
  let tenantId = "";
  let apiKey = "";

  test("tenants create prints the tenant and its key once; the key authenticates", async () => {
    const tenant = await json<{ id: string; name: string; api_key: string }>(
      "tenants",
      "create",
      "Acme Inc.",
    );
    expect(tenant.name).toBe("Acme Inc.");
    tenantId = tenant.id;
    apiKey = tenant.api_key;
    const database = await createDatabase({ url: databaseUrl });
    try {
      expect(await authenticateApiKey(createInlineStore(database), apiKey)).toEqual({
        tenantId,
        apiKeyId: expect.stringMatching(/^key_/),
      });
    } finally {
      database.close();
    }
  });

  test("with one tenant, --tenant may be left out; tables for people", async () => {
    const created = await omnimail("domains", "create", "Acme.TEST");
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^ID\s+NAME\s+VERIFIED\s+CREATED\ndom_\S+\s+acme\.test\s+pending\s+\S+\n/);
    // The new domain says how to prove it, and the operator can vouch for it.
    expect(created.stdout).toContain("pending: publish TXT _omnimail.acme.test");
    const id = /dom_\w+/.exec(created.stdout)?.[0] ?? "";
    const verified = await omnimail("domains", "verify", id);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/acme\.test\s+yes\s/);
    const mailbox = await omnimail("mailboxes", "create", "*@acme.test");
    expect(mailbox.stdout).toContain("*@acme.test");
    const list = await omnimail("mailboxes", "list");
    expect(list.stdout.split("\n")[0]).toMatch(/^ID\s+ADDRESS\s+MESSAGES\s+UNREAD\s+CREATED$/);
  });

  test("with two tenants, --tenant is required and picks one", async () => {
    const other = await json<{ id: string }>("tenants", "create", "Globex");
    const missing = await omnimail("domains", "list");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("pass --tenant");
    const domains = await json<{ data: Array<{ name: string }> }>("domains", "list", "--tenant", tenantId);
    expect(domains.data.map((d) => d.name)).toEqual(["acme.test"]);
    expect(await json("domains", "list", "--tenant", other.id)).toEqual({ data: [] });
    const tenants = await json<{ data: Array<{ name: string }> }>("tenants", "list");
    expect(tenants.data.map((t) => t.name)).toEqual(["Globex", "Acme Inc."]);
  });

  test("keys: create, list (no secret), revoke", async () => {
    const key = await json<{ id: string; key: string; name: string }>(
      "keys",
      "create",
      "--name",
      "deploy",
      "--tenant",
      tenantId,
    );
    expect(key.name).toBe("deploy");
    expect(key.key).toMatch(/^om_live_/);
    const listed = await omnimail("keys", "list", "--tenant", tenantId);
    expect(listed.stdout).toContain("deploy");
    expect(listed.stdout).not.toContain(key.key);
    const revoked = await json<{ revoked_at: string | null }>("keys", "revoke", key.id, "--tenant", tenantId);
    expect(revoked.revoked_at).toEqual(expect.any(String));
  });

  test("mailboxes delete and domains delete, in that order", async () => {
    const mailboxes = await json<{ data: Array<{ id: string }> }>("mailboxes", "list", "--tenant", tenantId);
    const domains = await json<{ data: Array<{ id: string }> }>("domains", "list", "--tenant", tenantId);
    const domainId = domains.data[0]?.id ?? "";
    const refused = await omnimail("domains", "delete", domainId, "--tenant", tenantId);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("still has 1 mailbox");
    const deleted = await omnimail("mailboxes", "delete", mailboxes.data[0]?.id ?? "", "--tenant", tenantId);
    expect(deleted.stdout).toContain("deleted mailbox *@acme.test");
    expect((await omnimail("domains", "delete", domainId, "--tenant", tenantId)).code).toBe(0);
  });

  test("webhooks: private URLs refused by default; create, test, deliveries, delete", async () => {
    const refused = await omnimail("webhooks", "create", "http://127.0.0.1:9/hook", "--tenant", tenantId);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("loopback");
    const allowed = await omnimailWith(
      { OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS: "1" },
      "webhooks",
      "create",
      "http://127.0.0.1:9/hook",
      "--tenant",
      tenantId,
      "--json",
    );
    expect(allowed.code).toBe(0);
    const hook = JSON.parse(allowed.stdout) as { id: string; secret: string; events: string[] };
    expect(hook.secret).toMatch(/^whsec_/);
    expect(hook.events).toEqual(["message.received"]);
    const queued = await json<{ delivery_id: string }>("webhooks", "test", hook.id, "--tenant", tenantId);
    const deliveries = await json<{ data: Array<{ id: string; status: string; event_type: string }> }>(
      "webhooks",
      "deliveries",
      hook.id,
      "--tenant",
      tenantId,
    );
    expect(deliveries.data).toEqual([
      expect.objectContaining({ id: queued.delivery_id, status: "pending", event_type: "webhook.test" }),
    ]);
    const table = await omnimail("webhooks", "list", "--tenant", tenantId);
    expect(table.stdout).toContain("http://127.0.0.1:9/hook");
    expect((await omnimail("webhooks", "delete", hook.id, "--tenant", tenantId)).code).toBe(0);
    expect((await json<{ data: unknown[] }>("webhooks", "list", "--tenant", tenantId)).data).toEqual([]);
  });

  test("mistakes: unknown command or option is exit 2 with usage; a refused request is exit 1", async () => {
    const unknown = await omnimail("widgets", "list");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("usage: npm run omnimail");
    expect((await omnimail("tenants", "list", "--colour")).code).toBe(2);
    expect((await omnimail("domains", "create")).code).toBe(2);
    const invalid = await omnimail("mailboxes", "create", "not-an-address", "--tenant", tenantId);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("must be an address");
    expect(
      (await omnimail("keys", "revoke", "key_01JZ0000000000000000000000", "--tenant", tenantId)).code,
    ).toBe(1);
  });
});

/** Sends these exact bytes as one message over a raw SMTP session; returns the stored message's id. */
async function sendRaw(port: number, to: string, message: string): Promise<string> {
  const smtp = await openRawSmtp(port);
  try {
    await smtp.reply();
    await smtp.command("EHLO client.test");
    await smtp.command("MAIL FROM:<s@example.org>");
    expect((await smtp.command(`RCPT TO:<${to}>`)).code).toBe(250);
    expect((await smtp.command("DATA")).code).toBe(354);
    smtp.write(Buffer.from(`${message}.\r\n`, "latin1"));
    const reply = await smtp.reply();
    return /queued as (msg_\w+)/.exec(reply.text)?.[1] ?? "";
  } finally {
    smtp.close();
  }
}

describe("npm run omnimail -- messages (on the database of a running OmniMail)", () => {
  let omni: OmniMail;
  let tenant: TestTenant;
  let mailboxId = "";
  /** Oldest first. */
  const ids: string[] = [];
  // The harness's public URL, so the CLI's JSON links match the API's.
  const env = () => ({ DATABASE_URL: omni.databaseUrl, OMNIMAIL_PUBLIC_URL: "http://omnimail.test" });
  const cli = (...args: string[]) => omnimailWith(env(), ...args);
  const cliJson = async <T>(...args: string[]): Promise<T> => {
    const result = await cli(...args, "--json");
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    return JSON.parse(result.stdout) as T;
  };
  const api = async (path: string) => (await omni.api(path, tenant.apiKey)).json();
  // 8-bit latin1 bytes and a terminal escape in the subject: raw must keep them, show must not print ESC.
  const latin1 = [
    "From: Ann <ann@example.org>",
    "To: inbox@mail.test",
    "Subject: caf\xe9 \x1b[31mred\x1b[0m",
    "Content-Type: text/plain; charset=iso-8859-1",
    "Content-Transfer-Encoding: 8bit",
    "",
    "Caf\xe9 au lait, line one",
    "line two",
    "",
  ].join("\r\n");

  beforeAll(async () => {
    omni = await startOmniMail();
    tenant = await omni.addTenant("mail.test", ["*"]);
    mailboxId = tenant.mailboxes["*@mail.test"] ?? "";
    for (const n of ["one", "two"]) {
      ids.push(
        await sendRaw(
          omni.smtpPort,
          "inbox@mail.test",
          `From: Ann <ann@example.org>\r\nTo: inbox@mail.test\r\nSubject: message ${n}\r\n\r\nhello ${n}\r\n`,
        ),
      );
    }
    ids.push(await sendRaw(omni.smtpPort, "inbox@mail.test", latin1));
  });
  afterAll(() => omni.stop());

  test("messages list: newest first, a page at a time; the JSON is the API's summaries", async () => {
    const first = await cliJson<{ data: Array<{ id: string }>; next_before: string | null }>(
      "messages",
      "list",
      "--mailbox",
      mailboxId,
      "--limit",
      "2",
    );
    expect(first.data.map((m) => m.id)).toEqual(ids.slice(1).reverse());
    expect(first.next_before).toBe(ids[1] ?? "");
    const rest = await cliJson<{ data: Array<{ id: string }>; next_before: string | null }>(
      "messages",
      "list",
      "--mailbox",
      mailboxId,
      "--before",
      first.next_before ?? "",
    );
    expect(rest).toEqual({ data: [expect.objectContaining({ id: ids[0] })], next_before: null });

    const all = await cliJson<{ data: unknown[] }>("messages", "list", "--mailbox", mailboxId);
    const fromApi = (await api(`/v1/mailboxes/${mailboxId}/messages`)) as { data: unknown[] };
    expect(all.data).toEqual(fromApi.data);
  });

  test("messages list: a table for people, which says how to get the next page", async () => {
    const table = await cli("messages", "list", "--mailbox", mailboxId, "--limit", "2");
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+RECEIVED\s+FROM\s+SUBJECT\s+SIZE\s+ATT\s+SEEN$/);
    expect(lines[2]).toContain("message two");
    expect(lines.at(-1)).toBe(`older messages: add --before ${ids[1]}`);
    expect(table.stdout).not.toContain("\x1b");
  });

  test("messages show: the API's message as JSON; for people, the headers and the text", async () => {
    const id = ids[0] ?? "";
    expect(await cliJson("messages", "show", id)).toEqual(await api(`/v1/messages/${id}`));
    const shown = await cli("messages", "show", id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`ID        ${id}\nMAILBOX   ${mailboxId}\n`);
    expect(shown.stdout).toContain(
      "ENVELOPE  from <s@example.org> to inbox@mail.test (127.0.0.1, helo client.test)",
    );
    expect(shown.stdout).toMatch(/\nReceived: from client\.test /);
    expect(shown.stdout).toContain("\nSubject: message one\n");
    expect(shown.stdout.endsWith("\n\nhello one\n")).toBe(true);
  });

  test("messages show prints the sender's text without terminal escapes", async () => {
    const shown = await cli("messages", "show", ids[2] ?? "");
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toContain("\x1b");
    expect(shown.stdout).toContain("\ufffd[31mred");
    expect(shown.stdout).toContain("Café au lait, line one\nline two");
  });

  test("messages raw: exactly the stored bytes, as the API's /raw serves them", async () => {
    const id = ids[2] ?? "";
    const raw = await omnimailBytes(env(), "messages", "raw", id);
    expect({ code: raw.code, stderr: raw.stderr }).toEqual({ code: 0, stderr: "" });
    const fromApi = new Uint8Array(
      await (await omni.api(`/v1/messages/${id}/raw`, tenant.apiKey)).arrayBuffer(),
    );
    expect(Buffer.from(raw.stdout).equals(Buffer.from(fromApi))).toBe(true);
    // Our trace header, then the bytes as sent: 8-bit, CRLF, no newline added.
    expect(Buffer.from(raw.stdout).toString("latin1").endsWith(`\r\n${latin1}`)).toBe(true);
  });

  test("mistakes are usage errors (2); unknown ids, and another tenant's, are refused (1)", async () => {
    expect((await cli("messages", "list")).code).toBe(2);
    expect((await cli("messages", "list", "--mailbox", mailboxId, "--limit", "0")).code).toBe(2);
    expect((await cli("messages", "list", "--mailbox", mailboxId, "--before", "yesterday")).code).toBe(2);
    expect((await cli("messages", "show")).code).toBe(2);
    expect((await cli("messages", "raw", "not-an-id")).code).toBe(2);
    const unknown = await cli("messages", "show", "msg_01JZ0000000000000000000000");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no message msg_01JZ0000000000000000000000");

    const other = await omni.addTenant("other.test", ["*"]);
    for (const args of [
      ["messages", "show", ids[0] ?? ""],
      ["messages", "raw", ids[0] ?? ""],
      ["messages", "list", "--mailbox", mailboxId],
    ]) {
      const refused = await cli(...args, "--tenant", other.id);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toMatch(/omnimail: no (message|mailbox) /);
    }
    expect((await cli("messages", "show", ids[0] ?? "", "--tenant", tenant.id)).code).toBe(0);
  });
});
