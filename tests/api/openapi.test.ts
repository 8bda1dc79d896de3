import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { compileErrors, validate } from "@readme/openapi-parser";
import type { OpenApiDocument, SchemaObject } from "../../api/docs/openapi-types";
import { resolveSchema } from "../../api/docs/openapi-types";
import { EVENT_TYPES } from "../../core/events/log";
import { WEBHOOK_EVENTS } from "../../core/resources/events";
import { type OmniMail, startOmniMail, waitFor } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { sendMail } from "../helpers/send";

let omni: OmniMail;
let document: Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };
let receiver: Receiver;

beforeAll(async () => {
  omni = await startOmniMail();
  document = (await (await fetch(`${omni.apiUrl}/openapi.json`)).json()) as typeof document;
  receiver = startReceiver();
});
afterAll(async () => {
  receiver.stop();
  await omni.stop();
});

const openApi = () => document as unknown as OpenApiDocument;
/** The JSON body schema of the webhook for `type`, resolved from its `$ref`. */
const eventSchema = (type: string): SchemaObject => {
  const body = openApi().webhooks?.[type]?.post?.requestBody?.content?.["application/json"]?.schema ?? {};
  return resolveSchema(openApi(), body);
};

describe("GET /openapi.json", () => {
  test("is a valid OpenAPI 3.1 document (checked by a standard validator)", async () => {
    expect(document.openapi).toBe("3.1.0");
    // The validator dereferences in place: give it a copy.
    const result = await validate(structuredClone(document) as never);
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.valid).toBe(true);
  });

  test("documents every route the app serves under /v1 and /admin", () => {
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const served = omni.app.routes
      .filter((route) => route.method !== "ALL" && /^\/(v1|admin)\//.test(route.path))
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
    expect(served.length).toBeGreaterThan(15);
    expect(served.filter((route) => !documented.has(route))).toEqual([]);
  });
});

describe("webhooks in /openapi.json", () => {
  test("every event type we send is under `webhooks`, with its schema, an example and the signature headers", () => {
    expect(Object.keys(openApi().webhooks ?? {}).sort()).toEqual([
      "message.deleted",
      "message.received",
      "message.updated",
      "webhook.endpoint.disabled",
      "webhook.test",
    ]);
    for (const [type, event] of Object.entries(WEBHOOK_EVENTS)) {
      const operation = openApi().webhooks?.[type]?.post;
      const media = operation?.requestBody?.content?.["application/json"];
      expect(operation?.requestBody?.required).toBe(true);
      // The example is a valid body of its type.
      expect(event.schema.parse(media?.example)).toEqual(event.example as never);
      const schema = eventSchema(type);
      expect(schema.required?.sort()).toEqual(["data", "timestamp", "type"]);
      expect(schema.properties?.type?.enum ?? [schema.properties?.type?.const]).toEqual([type]);
      const headers = (operation?.parameters ?? []).filter((parameter) => parameter.in === "header");
      expect(headers.map((header) => [header.name, header.required])).toEqual([
        ["webhook-id", true],
        ["webhook-timestamp", true],
        ["webhook-signature", true],
      ]);
      expect(headers[2]?.description ?? headers[2]?.schema?.description).toContain("space-separated");
    }
    const data = resolveSchema(openApi(), eventSchema("message.received").properties?.data ?? {});
    expect(Object.keys(data.properties ?? {})).toEqual(
      expect.arrayContaining([
        "id",
        "mailbox_id",
        "envelope",
        "from",
        "subject",
        "text",
        "attachments",
        "raw_url",
      ]),
    );
  });

  test("what a receiver gets matches the documented schema: every required field, no undocumented one", async () => {
    const tenant = await omni.addTenant("docs.test", ["*"]);
    const created = await omni.api("/v1/webhooks", tenant.apiKey, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: receiver.url, events: EVENT_TYPES }),
    });
    const { id } = (await created.json()) as { id: string };
    await sendMail(omni.smtpPort, {
      from: "Sender <s@example.org>",
      to: "anyone@docs.test",
      subject: "documented",
      text: "body",
      attachments: [{ filename: "a.txt", content: "attached" }],
    });
    await omni.api(`/v1/webhooks/${id}/test`, tenant.apiKey, { method: "POST" });
    // Every other event type: a read mark, a deletion, and another endpoint disabled.
    const received = await waitFor(() => receiver.received.find((hook) => hook.body.includes("documented")));
    const messageId = (JSON.parse(received.body) as { data: { id: string } }).data.id;
    const patch = (path: string, body: unknown) =>
      omni.api(path, tenant.apiKey, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    await patch(`/v1/messages/${messageId}`, { seen: true });
    await omni.api(`/v1/messages/${messageId}`, tenant.apiKey, { method: "DELETE" });
    const other = await omni.api("/v1/webhooks", tenant.apiKey, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: `${receiver.url}?other` }),
    });
    await patch(`/v1/webhooks/${((await other.json()) as { id: string }).id}`, { enabled: false });
    const bodies = await waitFor(
      () => (receiver.received.length >= 5 ? receiver.received : undefined),
      10_000,
    );
    const types = new Set<string>();
    for (const hook of bodies) {
      const body = JSON.parse(hook.body) as {
        type: keyof typeof WEBHOOK_EVENTS;
        data: Record<string, unknown>;
      };
      types.add(body.type);
      // Required fields and their types (zod), then no field the document does not name.
      WEBHOOK_EVENTS[body.type].schema.parse(body);
      const data = resolveSchema(openApi(), eventSchema(body.type).properties?.data ?? {});
      const documented = Object.keys(data.properties ?? {});
      expect(Object.keys(body.data).filter((key) => !documented.includes(key))).toEqual([]);
    }
    expect([...types].sort()).toEqual([
      "message.deleted",
      "message.received",
      "message.updated",
      "webhook.endpoint.disabled",
      "webhook.test",
    ]);
  });
});

describe("GET /docs", () => {
  test("a readable reference of every operation, with nothing loaded from elsewhere", async () => {
    const response = await fetch(`${omni.apiUrl}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await response.text();
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of Object.keys(item)) {
        const anchor = `op-${method}-${path.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
        expect(html).toContain(`id="${anchor}"`);
      }
    }
    // No script, no stylesheet or font from a CDN: the page works offline.
    expect(html).not.toMatch(/<script|<link\b|@import|src="http/i);
    expect(html).toContain("curl -X POST");
  });

  test("a Webhook events section shows each event with its headers, body fields and an example", async () => {
    const html = await (await fetch(`${omni.apiUrl}/docs`)).text();
    expect(html).toContain('href="#webhooks"');
    const section = html.slice(
      html.indexOf('<section id="webhooks">'),
      html.indexOf('<section id="schemas">'),
    );
    expect(section).toContain("Webhook events");
    for (const type of Object.keys(WEBHOOK_EVENTS)) {
      expect(section).toContain(`id="webhook-${type.replaceAll(".", "-")}"`);
      expect(section).toContain(`<code>${type}</code>`);
    }
    for (const header of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
      expect(section).toContain(`<code>${header}</code>`);
    }
    // Body fields, and the example request with its body.
    expect(section).toContain("<code>raw_url</code>");
    expect(section).toContain("<code>text_truncated</code>");
    expect(section).toContain("webhook-signature: v1,");
    expect(section).toContain("&quot;type&quot;: &quot;message.received&quot;");
  });
});
