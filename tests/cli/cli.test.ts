import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { authenticateApiKey } from "../../core/tenancy/api-keys";
import { createDatabase } from "../../db/client";
import { createInlineStore } from "../../db/store";
import { tempDir } from "../helpers/harness";

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
    expect(created.stdout).toMatch(/^ID\s+NAME\s+CREATED\ndom_\S+\s+acme\.test\s+\S+\n$/);
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
