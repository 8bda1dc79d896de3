import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";

let omni: OmniMail;
let acme: TestTenant;

type KeyJson = {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  key?: string;
};

async function createKey(name: string, apiKey = acme.apiKey): Promise<KeyJson> {
  const response = await omni.api("/v1/api-keys", apiKey, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as KeyJson;
}

async function listKeys(): Promise<KeyJson[]> {
  return ((await (await omni.api("/v1/api-keys", acme.apiKey)).json()) as { data: KeyJson[] }).data;
}

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["inbox"]);
});
afterAll(() => omni.stop());

describe("/v1/api-keys", () => {
  test("POST shows the key once; it works at once", async () => {
    const created = await createKey("ci");
    expect(created).toEqual({
      id: expect.stringMatching(/^key_/),
      name: "ci",
      prefix: created.key?.slice(0, 12) ?? "",
      created_at: expect.any(String),
      last_used_at: null,
      revoked_at: null,
      key: expect.stringMatching(/^om_live_[A-Za-z0-9]{32}$/),
    });
    expect((await omni.api("/v1/mailboxes", created.key ?? "")).status).toBe(200);
  });

  test("GET lists prefix, name and times, never the key or its hash", async () => {
    const keys = await listKeys();
    expect(keys.map((key) => key.name)).toEqual(["ci", "default"]);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual([
        "created_at",
        "id",
        "last_used_at",
        "name",
        "prefix",
        "revoked_at",
      ]);
    }
    // Both keys have been used by now.
    expect(keys.every((key) => key.last_used_at !== null)).toBe(true);
  });

  test("DELETE revokes: the key answers 401 from the very next request", async () => {
    const created = await createKey("short-lived");
    const key = created.key ?? "";
    expect((await omni.api("/v1/mailboxes", key)).status).toBe(200);
    const revoke = await omni.api(`/v1/api-keys/${created.id}`, acme.apiKey, { method: "DELETE" });
    expect(revoke.status).toBe(204);
    const refused = await omni.api("/v1/mailboxes", key);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    const listed = (await listKeys()).find((k) => k.id === created.id);
    expect(listed?.revoked_at).toEqual(expect.any(String));
    // Revoking again changes nothing and is not an error.
    expect((await omni.api(`/v1/api-keys/${created.id}`, acme.apiKey, { method: "DELETE" })).status).toBe(
      204,
    );
    expect((await listKeys()).find((k) => k.id === created.id)?.revoked_at).toBe(listed?.revoked_at ?? "");
  });

  test("a key can revoke itself", async () => {
    const created = await createKey("self");
    const key = created.key ?? "";
    expect((await omni.api(`/v1/api-keys/${created.id}`, key, { method: "DELETE" })).status).toBe(204);
    expect((await omni.api("/v1/api-keys", key)).status).toBe(401);
  });

  const malformed: Array<[string, string]> = [
    ["a short key", "Bearer om_live_x"],
    ["an unknown key of the right shape", `Bearer om_live_${"A".repeat(32)}`],
    ["an overlong key", `Bearer om_live_${"A".repeat(400)}`],
    ["non-ASCII", "Bearer om_live_ÄÖÜäöüÄÖÜäöüÄÖÜäöüÄÖÜäöüÄÖÜäöü"],
    ["two tokens", "Bearer a b"],
    ["lower-case scheme and no key", "bearer"],
  ];
  for (const [name, header] of malformed) {
    test(`401 problem+json for ${name}`, async () => {
      const response = await fetch(`${omni.apiUrl}/v1/mailboxes`, { headers: { authorization: header } });
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(((await response.json()) as { status: number }).status).toBe(401);
    });
  }

  test("the database holds no plaintext key (file, WAL and all)", async () => {
    const keys = [acme.apiKey, (await createKey("secret-check")).key ?? ""];
    // Make sure what was written is in the files, then read every byte of them.
    await omni.database.client.execute("PRAGMA wal_checkpoint(PASSIVE)");
    const files = readdirSync(omni.dir).filter((name) => name.startsWith("omnimail.db"));
    expect(files).toContain("omnimail.db");
    for (const file of files) {
      const bytes = readFileSync(join(omni.dir, file)).toString("latin1");
      for (const key of keys) {
        expect(key.length).toBe(40);
        expect(bytes.includes(key)).toBe(false);
        // Not even the secret part after the visible prefix.
        expect(bytes.includes(key.slice(12))).toBe(false);
      }
      // The prefix people use to tell keys apart is there, so the search itself works.
      if (file === "omnimail.db") expect(keys.some((key) => bytes.includes(key.slice(0, 12)))).toBe(true);
    }
  });
});
