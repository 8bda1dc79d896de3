import { afterAll, describe, expect, test } from "bun:test";
import type { OpenApiDocument, SchemaObject } from "../../api/docs/openapi-types";
import { sampleFromSchema } from "../../api/docs/sample";
import { type OmniMail, startOmniMail } from "../helpers/harness";

/**
 * Bad input never reaches a 500: every route that takes a JSON body is sent
 * malformed JSON, non-objects, unknown fields, wrong content types and an
 * oversize body; every route is sent ids that do not exist; lists get bad
 * limits and cursors. Each answer is a 4xx problem+json naming the field.
 * Generated from the OpenAPI document, so later routes are covered too.
 */

const ADMIN_TOKEN = "admin-token-for-the-tests-0123456789";
const omni: OmniMail = await startOmniMail({ env: { OMNIMAIL_ADMIN_TOKEN: ADMIN_TOKEN } });
const acme = await omni.addTenant("acme.test", ["inbox"]);
const document = (await (await fetch(`${omni.apiUrl}/openapi.json`)).json()) as OpenApiDocument;
afterAll(() => omni.stop());

type Operation = { method: string; path: string; body: SchemaObject | undefined; url: string };

/** Every operation, with example ids (well-formed, never stored) in its path. */
const operationsList: Operation[] = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => {
    let url = path;
    for (const parameter of operation.parameters ?? []) {
      if (parameter.in === "path")
        url = url.replace(`{${parameter.name}}`, String(parameter.schema?.example));
    }
    return {
      method: method.toUpperCase(),
      path,
      url,
      body: operation.requestBody?.content?.["application/json"]?.schema,
    };
  }),
);

function call(op: Operation, init: { body?: string; contentType?: string } = {}) {
  const token = op.path.startsWith("/admin/") ? ADMIN_TOKEN : acme.apiKey;
  return fetch(`${omni.apiUrl}${op.url}`, {
    method: op.method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.contentType ? { "content-type": init.contentType } : {}),
    },
    body: init.body,
  });
}

async function expectProblem(response: Response, status: number, location?: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = (await response.json()) as { status: number; errors?: Array<{ location: string }> };
  expect(problem.status).toBe(status);
  if (location) expect(problem.errors?.map((e) => e.location)).toContain(location);
}

const withBody = operationsList.filter((op) => op.body);

describe("JSON bodies", () => {
  test("the routes with bodies are all here", () => {
    expect(withBody.map((op) => `${op.method} ${op.path}`)).toEqual(
      expect.arrayContaining([
        "POST /admin/tenants",
        "POST /v1/domains",
        "POST /v1/mailboxes",
        "PATCH /v1/messages/{id}",
      ]),
    );
  });

  for (const op of withBody) {
    const label = `${op.method} ${op.path}`;
    const sample = () => sampleFromSchema(document, op.body ?? {}) as Record<string, unknown>;

    test(`${label}: malformed JSON is 400 naming body`, async () => {
      for (const body of ['{"name": ', "{'a': 1}", "\u00ff\u00fe", "{}}"]) {
        await expectProblem(await call(op, { body, contentType: "application/json" }), 400, "body");
      }
    });

    test(`${label}: a body that is not an object is 400`, async () => {
      for (const body of ["[]", "null", '"text"', "42", "true"]) {
        await expectProblem(await call(op, { body, contentType: "application/json" }), 400);
      }
    });

    test(`${label}: an unknown field is refused, by name`, async () => {
      const body = JSON.stringify({ ...sample(), surprise_field: 1 });
      await expectProblem(
        await call(op, { body, contentType: "application/json" }),
        400,
        "body.surprise_field",
      );
    });

    test(`${label}: wrong types are 400 naming the field`, async () => {
      const required = Object.keys(sample());
      for (const field of required) {
        const body = JSON.stringify({ ...sample(), [field]: { nested: ["wrong"] } });
        await expectProblem(await call(op, { body, contentType: "application/json" }), 400, `body.${field}`);
      }
    });

    test(`${label}: a body that is not JSON is 415; a missing one is no 500`, async () => {
      await expectProblem(
        await call(op, { body: "name=x", contentType: "application/x-www-form-urlencoded" }),
        415,
      );
      await expectProblem(await call(op, { body: "hello", contentType: "text/plain" }), 415);
      expect((await call(op)).status).toBeLessThan(500);
    });

    test(`${label}: a body over 1 MiB is 413`, async () => {
      const body = JSON.stringify({ ...sample(), padding: "x".repeat(1024 * 1024) });
      await expectProblem(await call(op, { body, contentType: "application/json" }), 413, "body");
    });
  }
});

describe("ids that do not exist", () => {
  for (const op of operationsList.filter((candidate) => candidate.path.includes("{"))) {
    test(`${op.method} ${op.path}: 404 for unknown and malformed ids`, async () => {
      const body = op.body ? JSON.stringify(sampleFromSchema(document, op.body)) : undefined;
      const init = { body, contentType: body ? "application/json" : undefined };
      await expectProblem(await call(op, init), 404);
      // Malformed: wrong prefix, garbage, very long, percent-encoded traversal.
      for (const bad of ["nonsense", "msg_", "x".repeat(2000), "..%2F..%2Fetc", "%00"]) {
        const url = op.url.replace(/[a-z]+_01JZ0{22}/, bad);
        const response = await call({ ...op, url }, init);
        expect({ url: url.slice(0, 80), status: response.status }).toEqual({
          url: url.slice(0, 80),
          status: 404,
        });
      }
    });
  }
});

describe("methods a path does not take", () => {
  const byPath = new Map<string, Operation[]>();
  for (const op of operationsList) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op]);
  // Whether `template` (`/v1/rules/{id}`) matches the concrete `url` (`/v1/rules/test`).
  const matches = (template: string, url: string) =>
    new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(url);
  // Methods of every documented path `url` matches (`/v1/rules/test` is also `/v1/rules/{id}`), with HEAD
  // where GET is taken and OPTIONS everywhere.
  const methodsTaken = (url: string) => {
    const taken = new Set(operationsList.filter((op) => matches(op.path, url)).map((op) => op.method));
    if (taken.has("GET")) taken.add("HEAD");
    taken.add("OPTIONS");
    return taken;
  };
  for (const [path, ops] of byPath) {
    const url = ops[0]?.url ?? path;
    const taken = methodsTaken(url);
    const expected = [...taken].sort().join(", ");
    const untaken = ["GET", "POST", "PUT", "PATCH", "DELETE"].filter((method) => !taken.has(method));
    if (untaken.length === 0) continue;
    test(`${path}: ${untaken.join(", ")} are 405 with Allow: ${expected}`, async () => {
      const [op] = ops;
      if (!op) throw new Error("no operation");
      for (const method of untaken) {
        const response = await call({ ...op, method });
        expect({ method, status: response.status, allow: response.headers.get("allow") }).toEqual({
          method,
          status: 405,
          allow: expected,
        });
        await expectProblem(response, 405);
      }
    });
  }
  for (const [path, ops] of byPath) {
    test(`${path}: OPTIONS without a key is 204 with Allow`, async () => {
      const url = ops[0]?.url ?? path;
      const response = await fetch(`${omni.apiUrl}${url}`, { method: "OPTIONS" });
      expect({ status: response.status, allow: response.headers.get("allow") }).toEqual({
        status: 204,
        allow: [...methodsTaken(url)].sort().join(", "),
      });
    });
  }
  test("OPTIONS on a path no route has is treated as any request there (404 with a key)", async () => {
    await expectProblem(await omni.api("/v1/nothing", acme.apiKey, { method: "OPTIONS" }), 404);
  });
  test("a path no route has is still 404", async () => {
    await expectProblem(
      await call({ method: "PUT", path: "/v1/nothing", url: "/v1/nothing", body: undefined }),
      404,
    );
  });
});

describe("list queries", () => {
  // The event log is read with `after` (an event id), not a page cursor: its own cases are below.
  const lists = operationsList.filter(
    (op) =>
      op.method === "GET" &&
      op.path.startsWith("/v1/") &&
      !op.path.includes("{") &&
      !op.path.startsWith("/v1/events") &&
      // One object, not a list.
      op.path !== "/v1/usage",
  );
  lists.push({
    method: "GET",
    path: "/v1/mailboxes/{id}/messages",
    url: `/v1/mailboxes/${acme.mailboxes["inbox@acme.test"]}/messages`,
    body: undefined,
  });
  const cases: Array<[string, string]> = [
    ["limit=1000000000000", "query.limit"],
    ["limit=101", "query.limit"],
    ["limit=0", "query.limit"],
    ["limit=-5", "query.limit"],
    ["limit=2.5", "query.limit"],
    ["limit=ten", "query.limit"],
    ["cursor=%%%", "query.cursor"],
    ["cursor=bm90LWFuLWlk", "query.cursor"],
    [`cursor=${"A".repeat(300)}`, "query.cursor"],
  ];
  for (const op of lists) {
    test(`${op.path}: bad limit and cursor are 400 naming them`, async () => {
      for (const [query, location] of cases) {
        await expectProblem(await call({ ...op, url: `${op.url}?${query}` }), 400, location);
      }
      // What is accepted, said the same way however the value misses it.
      const answer = (await (await call({ ...op, url: `${op.url}?limit=ten` })).json()) as {
        errors: Array<{ location: string; message: string }>;
      };
      expect(answer.errors).toContainEqual({
        location: "query.limit",
        message: "must be a whole number from 1 to 100",
      });
    });
  }

  test("/v1/events and its stream: bad limit, wait, after and types are 400 naming them", async () => {
    const events = operationsList.find((op) => op.method === "GET" && op.path === "/v1/events") as Operation;
    const stream = operationsList.find((op) => op.path === "/v1/events/stream") as Operation;
    const eventCases: Array<[Operation, string, string]> = [
      [events, "limit=101", "query.limit"],
      [events, "limit=ten", "query.limit"],
      [events, "wait=61", "query.wait"],
      [events, "wait=-1", "query.wait"],
      [events, "after=msg_01JZ0000000000000000000000", "query.after"],
      [events, "after=evt_12x", "query.after"],
      [events, `after=${"9".repeat(80)}`, "query.after"],
      [events, "types=message.received,nope", "query.types"],
      [stream, "after=yesterday", "query.after"],
      [stream, "types=nope", "query.types"],
    ];
    for (const [op, query, location] of eventCases) {
      await expectProblem(await call({ ...op, url: `${op.url}?${query}` }), 400, location);
    }
  });

  test("a cursor of another kind of id is refused, not used", async () => {
    const mailboxCursor = Buffer.from("mbx_01JZ0000000000000000000000").toString("base64url");
    const url = `/v1/mailboxes/${acme.mailboxes["inbox@acme.test"]}/messages?cursor=${mailboxCursor}`;
    await expectProblem(await omni.api(url, acme.apiKey), 400, "query.cursor");
  });
});
