import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { OpenApiDocument, SchemaObject } from "../../api/docs/openapi-types";
import { sampleFromSchema } from "../../api/docs/sample";
import { newId } from "../../core/ids";
import { createApiKey } from "../../core/tenancy/api-keys";
import { domainDelegations, webhookDeliveries, webhookEndpoints } from "../../db/schema";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { sendMail } from "../helpers/send";

/**
 * Tenant isolation, generated from the route table: every operation in the
 * OpenAPI document (which the openapi test proves lists every /v1 route) is
 * called with tenant B's key on tenant A's objects. A route added later is
 * covered without anyone remembering; one whose path id has no fixture here
 * fails until a fixture is added.
 */

// Top-level await: the route table must be known while tests are being collected.
const omni: OmniMail = await startOmniMail();
const document = (await (await fetch(`${omni.apiUrl}/openapi.json`)).json()) as OpenApiDocument;
let alpha: TestTenant;
let beta: TestTenant;
/** Tenant A's objects by id prefix (`mbx`, `msg`, …): the ids B will try. */
const alphaIds: Record<string, string> = {};

type Operation = { method: string; path: string; params: Array<{ name: string; example: string }> };

function operations(): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      const params = (operation.parameters ?? [])
        .filter((parameter) => parameter.in === "path")
        .map((parameter) => ({ name: parameter.name, example: String(parameter.schema?.example ?? "") }));
      out.push({ method: method.toUpperCase(), path, params });
    }
  }
  return out;
}

function jsonBodyFor(op: Operation): string | undefined {
  const schema = document.paths?.[op.path]?.[op.method.toLowerCase()]?.requestBody?.content?.[
    "application/json"
  ]?.schema as SchemaObject | undefined;
  return schema ? JSON.stringify(sampleFromSchema(document, schema)) : undefined;
}

/** Every row tenant A owns, in every table with a tenant_id, plus its search-index rows. */
async function snapshotOfAlpha(): Promise<string> {
  const client = omni.database.client;
  const tables = await client.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  const out: Record<string, unknown[]> = {};
  for (const { name } of tables.rows) {
    const columns = await client.execute(`PRAGMA table_info("${String(name)}")`);
    if (!columns.rows.some((column) => column.name === "tenant_id")) continue;
    const rows = await client.execute({
      sql: `SELECT * FROM "${String(name)}" WHERE tenant_id = ? ORDER BY rowid`,
      args: [alpha.id],
    });
    out[String(name)] = rows.rows.map((row) =>
      Object.entries(row).map(([key, value]) => [
        key,
        value instanceof ArrayBuffer ? Buffer.from(value).toString("base64") : value,
      ]),
    );
  }
  out.tenants = (await client.execute({ sql: "SELECT * FROM tenants WHERE id = ?", args: [alpha.id] })).rows;
  out.messages_fts = (
    await client.execute({
      sql: "SELECT rowid FROM messages_fts WHERE rowid IN (SELECT rowid FROM messages WHERE tenant_id = ?)",
      args: [alpha.id],
    })
  ).rows;
  return JSON.stringify(out);
}

beforeAll(async () => {
  alpha = await omni.addTenant("alpha.test", ["inbox"]);
  beta = await omni.addTenant("beta.test", ["inbox", "*"]);
  const mailboxId = alpha.mailboxes["inbox@alpha.test"] ?? "";
  await sendMail(omni.smtpPort, {
    from: "sender@example.org",
    to: "inbox@alpha.test",
    subject: "alpha secret",
    text: "only for alpha",
    attachments: [{ filename: "alpha.txt", content: "alpha attachment" }],
  });
  const listed = await waitFor(async () => {
    const body = (await (await omni.api(`/v1/mailboxes/${mailboxId}/messages`, alpha.apiKey)).json()) as {
      data: Array<{ id: string }>;
    };
    return body.data[0];
  });
  const message = (await (await omni.api(`/v1/messages/${listed.id}`, alpha.apiKey)).json()) as {
    id: string;
    thread_id: string;
    attachments: Array<{ id: string }>;
  };
  const [domain] = (
    (await (await omni.api("/v1/domains", alpha.apiKey)).json()) as { data: Array<{ id: string }> }
  ).data;
  const secondKey = await createApiKey(omni.store, { tenantId: alpha.id, name: "second" });

  // A webhook and a finished delivery, written directly so no drain touches them during the test.
  const now = Date.now();
  const webhookId = newId("webhook");
  const deliveryId = newId("delivery");
  await omni.database.db.insert(webhookEndpoints).values({
    id: webhookId,
    tenantId: alpha.id,
    url: "http://127.0.0.1:9/alpha",
    secret: "whsec_YWxwaGEtc2VjcmV0LWFscGhhLXNlY3JldA==",
    eventTypes: JSON.stringify(["message.received"]),
    mailboxId: null,
    enabled: false,
    disabledReason: "test fixture",
    createdAt: now,
    updatedAt: now,
  });
  await omni.database.db.insert(webhookDeliveries).values({
    id: deliveryId,
    endpointId: webhookId,
    tenantId: alpha.id,
    messageId: message.id,
    eventType: "message.received",
    payload: "{}",
    status: "delivered",
    attempts: 1,
    nextAttemptAt: now,
    createdAt: now,
    deliveredAt: now,
  });

  // A delegation of a subdomain of A's domain (its token is of no use to this test).
  const delegationId = newId("delegation");
  await omni.database.db.insert(domainDelegations).values({
    id: delegationId,
    tenantId: alpha.id,
    domainId: domain?.id ?? "",
    name: "delegated.alpha.invalid",
    tokenHash: "0".repeat(64),
    createdAt: now,
    usedAt: null,
  });

  // A rule of A's (reject everything from a sender nobody uses, so it changes no test's mail).
  const rule = (await (
    await omni.api("/v1/rules", alpha.apiKey, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ action: "reject", match: { sender: "nobody@alpha.invalid" } }),
    })
  ).json()) as { id: string };

  Object.assign(alphaIds, {
    rul: rule.id,
    thr: message.thread_id,
    tnt: alpha.id,
    key: secondKey.id,
    dom: domain?.id ?? "",
    mbx: mailboxId,
    msg: message.id,
    att: message.attachments[0]?.id ?? "",
    wh: webhookId,
    dlv: deliveryId,
    dlg: delegationId,
  });
});
afterAll(() => omni.stop());

const withIds = operations().filter((op) => op.params.length > 0);

describe("tenant B's key on tenant A's objects: 404, and nothing changes", () => {
  test("the route table has the routes with ids (guards against an empty document)", () => {
    const labels = withIds.map((op) => `${op.method} ${op.path}`);
    expect(labels.length).toBeGreaterThan(15);
    expect(labels).toEqual(
      expect.arrayContaining(["DELETE /v1/mailboxes/{id}", "GET /v1/mailboxes/{id}/messages/wait"]),
    );
  });

  for (const op of withIds) {
    test(`${op.method} ${op.path}`, async () => {
      let path = op.path;
      for (const param of op.params) {
        const prefix = param.example.split("_")[0] ?? "";
        const id = alphaIds[prefix];
        if (!id) {
          throw new Error(
            `no fixture for path parameter ${param.name} (example ${JSON.stringify(param.example)}). ` +
              "Give it an id example (schemas.ts idParam) and add tenant A's object of that kind to this test.",
          );
        }
        path = path.replace(`{${param.name}}`, id);
      }
      const body = jsonBodyFor(op);
      const before = await snapshotOfAlpha();
      const response = await omni.api(path, beta.apiKey, {
        method: op.method,
        ...(body ? { body, headers: { "content-type": "application/json" } } : {}),
      });
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      // The 404 may echo the id B sent, but nothing else of A's.
      const text = await response.text();
      for (const id of Object.values(alphaIds)) if (!path.includes(id)) expect(text).not.toContain(id);
      expect(text).not.toContain("alpha");
      expect(await snapshotOfAlpha()).toBe(before);
    });
  }
});

function isEventStream(op: Operation): boolean {
  const content = document.paths?.[op.path]?.[op.method.toLowerCase()]?.responses?.["200"]?.content ?? {};
  return "text/event-stream" in content;
}

/** What a streaming response sends within `ms`. */
async function readFor(response: Response, ms: number, abort: AbortController): Promise<string> {
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const stop = setTimeout(() => abort.abort(), ms);
  try {
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
  } catch {
    // Aborted: the time is up.
  } finally {
    clearTimeout(stop);
  }
  return text;
}

const lists = operations().filter(
  (op) => op.method === "GET" && op.params.length === 0 && op.path.startsWith("/v1/"),
);

describe("list routes never return A's rows to B", () => {
  test("the route table has the lists", () => {
    expect(lists.map((op) => op.path)).toEqual(
      expect.arrayContaining(["/v1/mailboxes", "/v1/domains", "/v1/api-keys"]),
    );
  });

  for (const op of lists) {
    test(`GET ${op.path}`, async () => {
      const streams = isEventStream(op);
      // A stream never ends: it is read from the start of the log for a moment, then closed.
      const abort = new AbortController();
      const query = streams ? "?after=evt_000000000000" : "";
      const response = await omni.api(`${op.path}${query}`, beta.apiKey, { signal: abort.signal });
      expect(response.status).toBe(200);
      const text = streams ? await readFor(response, 300, abort) : await response.text();
      for (const id of Object.values(alphaIds)) expect(text).not.toContain(id);
      expect(text).not.toContain("alpha");
    });
  }
});

describe("the fixtures are real: tenant A reaches its own objects", () => {
  test("each GET with an id answers 2xx for A", async () => {
    for (const op of operations().filter(
      (candidate) => candidate.method === "GET" && candidate.params.length,
    )) {
      let path = op.path;
      for (const param of op.params)
        path = path.replace(`{${param.name}}`, alphaIds[param.example.split("_")[0] ?? ""] ?? "");
      const response = await omni.api(`${path}?timeout=0`, alpha.apiKey);
      expect({ path: op.path, ok: response.ok }).toEqual({ path: op.path, ok: true });
    }
  });
});
