import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../api/app";
import { sha256Hex } from "../../core/crypto";
import type { Logger } from "../../core/logger";
import { createDatabase } from "../../db/client";
import { createInlineStore } from "../../db/store";
import { type OmniMail, startOmniMail, type TestTenant, tempDir, waitFor } from "../helpers/harness";
import { sendMail } from "../helpers/send";

/**
 * Issue 13, item 9: a NUL in `q` answered 500 (SQLite's search syntax cut
 * short) and the error log carried the statement with its parameters (tenant
 * and mailbox ids). Text query parameters with control characters are now 400
 * naming the parameter, and an unexpected database error is logged by class,
 * code and statement text, never with the parameters.
 */

let omni: OmniMail;
let acme: TestTenant;
const mailbox = () => acme.mailboxes["inbox@acme.test"] ?? "";

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["inbox"]);
  await sendMail(omni.smtpPort, {
    from: "ann@example.org",
    to: "inbox@acme.test",
    subject: "Invoice 42",
    text: "Please find the hidden invoice.",
  });
  await waitFor(async () => {
    const body = (await (await omni.api(`/v1/mailboxes/${mailbox()}/messages`, acme.apiKey)).json()) as {
      data: unknown[];
    };
    return body.data.length > 0 ? true : undefined;
  });
});
afterAll(() => omni.stop());

type Problem = { status: number; errors?: Array<{ location: string; message: string }> };

describe("text query parameters refuse control characters (400 naming the parameter)", () => {
  const cases: Array<[string, string, string]> = [
    ["messages", "q=hidden%00invoice", "query.q"],
    ["messages", "q=%00", "query.q"],
    ["messages", "q=tab%09here", "query.q"],
    ["messages", "q=bell%07", "query.q"],
    ["messages", "from=ann%00", "query.from"],
    ["messages", "to=%1b%5b31m", "query.to"],
    ["messages", "subject=Invoice%7f", "query.subject"],
    ["messages", "subject=next%C2%85line", "query.subject"],
    ["messages", "since=2026-01-01%00", "query.since"],
    ["messages", "until=%0a", "query.until"],
    ["messages", "cursor=%00", "query.cursor"],
    ["wait", "after=msg_%00&timeout=0", "query.after"],
    ["/v1/domains", "cursor=a%0d%0ab", "query.cursor"],
  ];
  for (const [route, query, location] of cases) {
    test(`${route}?${query}`, async () => {
      const path = route.startsWith("/")
        ? route
        : `/v1/mailboxes/${mailbox()}/messages${route === "wait" ? "/wait" : ""}`;
      const response = await omni.api(`${path}?${query}`, acme.apiKey);
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      const problem = (await response.json()) as Problem;
      expect(problem.errors).toEqual([{ location, message: "must not contain control characters" }]);
    });
  }

  test("ordinary searches still work, accents and quotes included", async () => {
    for (const q of ["hidden", "invoice 42", "hid*", '"hidden', "ïnvoice", "日本"]) {
      const response = await omni.api(
        `/v1/mailboxes/${mailbox()}/messages?q=${encodeURIComponent(q)}`,
        acme.apiKey,
      );
      expect({ q, status: response.status }).toEqual({ q, status: 200 });
    }
    const found = (await (
      await omni.api(`/v1/mailboxes/${mailbox()}/messages?q=hidden`, acme.apiKey)
    ).json()) as { data: Array<{ subject: string }> };
    expect(found.data.map((row) => row.subject)).toEqual(["Invoice 42"]);
  });
});

describe("an unexpected database error is logged without the statement's parameters", () => {
  test("a failed query: class, code and statement text in the log; no parameter, no key hash", async () => {
    // A database without its tables: the API key lookup itself fails, with the key's hash as its parameter.
    const dir = tempDir();
    const database = await createDatabase({ url: `file:${join(dir, "empty.db")}` });
    const lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
    const capture =
      (level: string) =>
      (msg: string, fields: Record<string, unknown> = {}) =>
        lines.push({ level, msg, fields });
    const logger: Logger = {
      debug: capture("debug"),
      info: capture("info"),
      warn: capture("warn"),
      error: capture("error"),
    };
    const app = createApp({ store: createInlineStore(database), logger, publicUrl: "http://omnimail.test" });
    try {
      const response = await app.request("/v1/mailboxes", {
        headers: { authorization: `Bearer ${acme.apiKey}` },
      });
      expect(response.status).toBe(500);
      const body = await response.text();
      expect(body).not.toContain("api_keys");

      const errors = lines.filter((line) => line.level === "error");
      expect(errors.map((line) => line.msg)).toEqual(["unhandled error"]);
      const fields = errors[0]?.fields ?? {};
      expect(String(fields.errorClass)).toStartWith("DrizzleQueryError < LibsqlError");
      expect(fields.code).toBe("SQLITE_ERROR");
      expect(String(fields.query)).toContain('from "api_keys" where');
      expect(String(fields.query)).toContain("?");
      const logged = JSON.stringify(errors);
      expect(logged).not.toContain(await sha256Hex(acme.apiKey));
      expect(logged).not.toContain("params");
      expect(logged).not.toContain("Failed query");
    } finally {
      database.client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
