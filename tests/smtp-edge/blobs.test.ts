import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { BLOB_CHUNK_BYTES } from "../../core/messages/blobs";
import { type OmniMail, startOmniMail, type TestTenant } from "../helpers/harness";
import { sendMail, stripTraceHeader } from "../helpers/send";

// Bytes once per DATA: a big message to many mailboxes stores its raw bytes and attachments once.
let omni: OmniMail;
let acme: TestTenant;
let globex: TestTenant;
const boxes = Array.from({ length: 25 }, (_, i) => `user${i}`);

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", boxes);
  globex = await omni.addTenant("globex.test", boxes);
});
afterAll(() => omni.stop());

async function databaseBytes(): Promise<number> {
  const client = omni.database.client;
  const pages = Number((await client.execute("PRAGMA page_count")).rows[0]?.[0]);
  const size = Number((await client.execute("PRAGMA page_size")).rows[0]?.[0]);
  return pages * size;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

interface MessageJson {
  id: string;
  attachments: Array<{ id: string; sha256: string; url: string }>;
}

async function onlyMessage(tenant: TestTenant, address: string): Promise<MessageJson> {
  const list = (await (
    await omni.api(`/v1/mailboxes/${tenant.mailboxes[address]}/messages`, tenant.apiKey)
  ).json()) as { data: Array<{ id: string }> };
  expect(list.data.length).toBe(1);
  const id = list.data[0]?.id ?? "";
  return (await (await omni.api(`/v1/messages/${id}`, tenant.apiKey)).json()) as MessageJson;
}

test("a 5 MB message with two attachments to 50 mailboxes of two tenants is stored once, read back exactly by each, and one tenant's delete keeps the other's", async () => {
  const first = randomBytes(1_800_000);
  const second = randomBytes(1_800_000);
  const before = await databaseBytes();
  const reply = await sendMail(omni.smtpPort, {
    from: "s@example.org",
    to: [...boxes.map((box) => `${box}@acme.test`), ...boxes.map((box) => `${box}@globex.test`)],
    subject: "big, to everyone",
    text: "two attachments",
    attachments: [
      { filename: "one.bin", content: first },
      { filename: "two.bin", content: second },
    ],
  });
  expect(reply).toMatch(/^250 /);
  const acmeCopy = await onlyMessage(acme, "user0@acme.test");
  const acmeRaw = new Uint8Array(
    await (await omni.api(`/v1/messages/${acmeCopy.id}/raw`, acme.apiKey)).arrayBuffer(),
  );
  expect(acmeRaw.byteLength).toBeGreaterThan(4_800_000);
  const grown = (await databaseBytes()) - before;
  expect(grown).toBeLessThan(2 * acmeRaw.byteLength);
  // Bytes over a chunk are stored in chunks (BLOB_CHUNK_BYTES); with the first they add up to each blob's size.
  const stored = await omni.database.client.execute(
    `SELECT b.size, length(b.content) + coalesce((SELECT sum(length(c.content)) FROM blob_chunks c WHERE c.key = b.key), 0) AS held,
       (SELECT count(*) FROM blob_chunks c WHERE c.key = b.key) AS chunks FROM blobs b`,
  );
  expect(stored.rows.length).toBe(3);
  for (const row of stored.rows) {
    expect(Number(row.held)).toBe(Number(row.size));
    expect(Number(row.chunks)).toBe(Math.ceil(Number(row.size) / BLOB_CHUNK_BYTES) - 1);
  }

  // Each tenant reads back its exact bytes, through its own copy.
  const globexCopy = await onlyMessage(globex, "user7@globex.test");
  const globexRaw = new Uint8Array(
    await (await omni.api(`/v1/messages/${globexCopy.id}/raw`, globex.apiKey)).arrayBuffer(),
  );
  // The same bytes behind each copy's own trace header, which names only that copy.
  expect(sha256(stripTraceHeader(globexRaw).rest)).toBe(sha256(stripTraceHeader(acmeRaw).rest));
  expect(stripTraceHeader(acmeRaw).header).toContain(acmeCopy.id);
  expect(stripTraceHeader(acmeRaw).header).not.toContain(globexCopy.id);
  expect(stripTraceHeader(globexRaw).header).toContain(globexCopy.id);
  for (const [copy, key] of [
    [acmeCopy, acme.apiKey],
    [globexCopy, globex.apiKey],
  ] as const) {
    const hashes: string[] = [];
    for (const attachment of copy.attachments) {
      const bytes = new Uint8Array(
        await (await omni.api(`/v1/messages/${copy.id}/attachments/${attachment.id}`, key)).arrayBuffer(),
      );
      hashes.push(sha256(bytes));
    }
    expect(hashes).toEqual([sha256(first), sha256(second)]);
  }
  // Another tenant's copy is not reachable by id.
  expect((await omni.api(`/v1/messages/${acmeCopy.id}/raw`, globex.apiKey)).status).toBe(404);

  // Deleting every acme copy (a whole mailbox, then single messages) keeps globex's bytes.
  expect((await omni.api(`/v1/messages/${acmeCopy.id}`, acme.apiKey, { method: "DELETE" })).status).toBe(204);
  for (const box of boxes.slice(1)) {
    const id = (await onlyMessage(acme, `${box}@acme.test`)).id;
    expect((await omni.api(`/v1/messages/${id}`, acme.apiKey, { method: "DELETE" })).status).toBe(204);
  }
  const again = new Uint8Array(
    await (await omni.api(`/v1/messages/${globexCopy.id}/raw`, globex.apiKey)).arrayBuffer(),
  );
  expect(sha256(again)).toBe(sha256(globexRaw));
  const attachment = globexCopy.attachments[1];
  const bytes = new Uint8Array(
    await (
      await omni.api(`/v1/messages/${globexCopy.id}/attachments/${attachment?.id}`, globex.apiKey)
    ).arrayBuffer(),
  );
  expect(sha256(bytes)).toBe(sha256(second));

  // The last reference's delete (globex's mailboxes) removes the bytes.
  for (const box of boxes) {
    const mailboxId = globex.mailboxes[`${box}@globex.test`];
    expect((await omni.api(`/v1/mailboxes/${mailboxId}`, globex.apiKey, { method: "DELETE" })).status).toBe(
      204,
    );
  }
  const left = await omni.database.client.execute(
    "SELECT (SELECT count(*) FROM blobs) AS blobs, (SELECT count(*) FROM blob_chunks) AS chunks",
  );
  expect(left.rows[0]).toMatchObject({ blobs: 0, chunks: 0 });
});
