import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { createDomain, markDomainVerified } from "../../core/tenancy/domains";
import { createMailbox } from "../../core/tenancy/mailboxes";
import { createTenant } from "../../core/tenancy/tenants";
import { createDatabase, type Database } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import { createInlineStore, type Store } from "../../db/store";
import { type OmniMail, startOmniMail, waitFor } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { type RemoteDatabase, startRemoteDatabase } from "../helpers/remote-db";
import { sendMail, stripTraceHeader } from "../helpers/send";
import { type RunningWorker, startWorkerBundle } from "../helpers/worker-bundle";

// Mail with no server: the real Worker bundle's email() handler (dispatched by Miniflare as
// Email Routing would) on a remote libSQL database, read back through the same Worker's API.
const remote = await startRemoteDatabase();
if (!remote) console.warn("email-worker: no shared libSQL test server; these tests are skipped");

const MAX_BYTES = 60_000;

describe.skipIf(!remote)("Cloudflare Email Worker", () => {
  const server = remote as RemoteDatabase;
  let worker: RunningWorker;
  let database: Database;
  let store: Store;
  let apiKey: string;
  let catchAll: string;
  let receiver: Receiver;
  let secret: string;

  beforeAll(async () => {
    database = await createDatabase({ url: server.url });
    await migrateDatabase(database);
    store = createInlineStore(database);
    const { tenant, apiKey: key } = await createTenant(store, { name: "no servers" });
    apiKey = key.key;
    await markDomainVerified(store, (await createDomain(store, tenant.id, { name: "edge.test" })).id);
    await createMailbox(store, tenant.id, { address: "alice@edge.test" });
    catchAll = (await createMailbox(store, tenant.id, { address: "*@edge.test" })).id;
    // The Worker reaches the database through the proxy (so a test can take it down); the test directly.
    worker = await startWorkerBundle({
      DATABASE_URL: server.proxyUrl,
      OMNIMAIL_PUBLIC_URL: "https://mail.edge.test",
      OMNIMAIL_MAX_MESSAGE_BYTES: String(MAX_BYTES),
      OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS: "1",
      LOG_LEVEL: "info",
    });
    receiver = startReceiver();
    const created = await api("/v1/webhooks", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: receiver.url }),
    });
    expect(created.status).toBe(201);
    secret = ((await created.json()) as { secret: string }).secret;
  }, 90_000);
  afterAll(async () => {
    receiver?.stop();
    await worker?.stop();
    await store?.close();
    await server.stop();
  });

  const api = (path: string, init?: RequestInit) =>
    worker.fetchApi("https://mail.edge.test", apiKey, path, init);

  /** Email Routing's hand-off, as `wrangler dev` exposes it: POST the raw message with the envelope. */
  const dispatchEmail = async (from: string, to: string, raw: string) => {
    const response = await worker.mf.dispatchFetch(
      `http://localhost/cdn-cgi/handler/email?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
      { method: "POST", body: raw },
    );
    return { status: response.status, text: await response.text() };
  };

  const message = (subject: string, extra = "", to = "anyone@edge.test") =>
    [
      "Received: from mail.sender.example (mail.sender.example [192.0.2.1])",
      "\tby mx.cloudflare.net (Postfix) with ESMTPS id 4fwwffRXOpyR;",
      "\tTue, 01 Dec 2026 15:50:20 +0000",
      "ARC-Authentication-Results: i=1; mx.cloudflare.net;",
      "\tdkim=pass header.d=sender.example header.s=s1 header.b=abc;",
      "\tdmarc=pass header.from=sender.example policy.dmarc=reject;",
      "\tspf=pass (mx.cloudflare.net: domain of bob@sender.example designates 192.0.2.1 as permitted sender) smtp.mailfrom=bob@sender.example;",
      "\tarc=none smtp.remote-ip=192.0.2.1",
      // A sender's own claim below the trusted hop: never believed.
      "Authentication-Results: mx.cloudflare.net; spf=fail smtp.mailfrom=evil.example",
      "From: Bob <bob@sender.example>",
      `To: ${to}`,
      `Subject: ${subject}`,
      `Message-ID: <${crypto.randomUUID()}@sender.example>`,
      "Date: Tue, 01 Dec 2026 15:50:19 +0000",
      "MIME-Version: 1.0",
      extra,
      "Content-Type: text/plain; charset=utf-8",
      "",
      `Hello from ${subject}, no server needed.`,
      "",
    ]
      .filter((line, index, lines) => line !== "" || index >= lines.length - 3)
      .join("\r\n");

  interface Page {
    data: Array<{ id: string; subject: string; ingress: string }>;
  }
  const list = async (query = "") =>
    ((await (await api(`/v1/mailboxes/${catchAll}/messages${query}`)).json()) as Page).data;

  test("a message to the catch-all is stored and read back byte-exact, searched and listed, through the same Worker", async () => {
    const raw = message("edge delivery");
    const dispatched = await dispatchEmail("bob@sender.example", "anyone@edge.test", raw);
    expect(dispatched).toEqual({ status: 200, text: "Worker successfully processed email" });
    const [summary] = await list("?q=delivery");
    expect(summary?.subject).toBe("edge delivery");
    expect(summary?.ingress).toBe("email-worker");
    const full = (await (await api(`/v1/messages/${summary?.id}`)).json()) as {
      envelope: Record<string, unknown>;
      ingress: string;
      auth: {
        spf: { result: string; domain: string };
        dkim: Array<{ result: string; domain: string; selector: string; aligned: boolean }>;
        dmarc: { result: string; policy: string };
      };
    };
    expect(full.envelope).toEqual({
      mail_from: "bob@sender.example",
      rcpt_to: ["anyone@edge.test"],
      remote_ip: null,
      helo: null,
      tls: null,
    });
    // The trusted hop's verdicts, not the forged spf=fail below it.
    expect(full.auth.spf).toEqual({ result: "pass", domain: "sender.example" });
    expect(full.auth.dkim).toEqual([
      { result: "pass", domain: "sender.example", selector: "s1", aligned: true },
    ]);
    expect(full.auth.dmarc).toMatchObject({ result: "pass", policy: "reject" });
    const rawResponse = await api(`/v1/messages/${summary?.id}/raw`);
    expect(rawResponse.status).toBe(200);
    const stored = new Uint8Array(await rawResponse.arrayBuffer());
    const { header, rest } = stripTraceHeader(stored);
    expect(header).toStartWith("Received: from cloudflare-email-routing");
    expect(Buffer.from(rest).toString("latin1")).toBe(raw);
  });

  test("the signed webhook leaves right after the commit, without the cron", async () => {
    const started = Date.now();
    await dispatchEmail("bob@sender.example", "hooks@edge.test", message("hooked"));
    const hook = await waitFor(
      () => receiver.received.find((received) => received.body.includes('"subject":"hooked"')),
      10_000,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    const event = new Webhook(secret).verify(hook.body, hook.headers) as { data: { ingress: string } };
    expect(event.data.ingress).toBe("email-worker");
  });

  test("unknown mailbox, unhosted domain and oversize are refused with the SMTP edge's texts; nothing stored", async () => {
    const before = (await list()).length;
    const unknownDomain = await dispatchEmail(
      "bob@sender.example",
      "x@nobody.test",
      message("lost", "", "x@nobody.test"),
    );
    expect(unknownDomain.text).toContain("554 5.7.1 Relay access denied");
    await markDomainVerified(
      store,
      (await createDomain(store, (await tenantOf()).id, { name: "strict.test" })).id,
    );
    const unknownBox = await dispatchEmail(
      "bob@sender.example",
      "who@strict.test",
      message("lost", "", "who@strict.test"),
    );
    expect(unknownBox.text).toContain("550 5.1.1 Mailbox unknown");
    const big = message("too big", `X-Padding: ${"p".repeat(MAX_BYTES)}`);
    const oversize = await dispatchEmail("bob@sender.example", "anyone@edge.test", big);
    expect(oversize.text).toContain(`552 5.3.4 Message size exceeds fixed limit of ${MAX_BYTES} bytes`);
    expect((await list()).length).toBe(before);
  });

  test("reply addresses: the Worker issues them, and email() delivers a valid one with its ref and refuses an altered one", async () => {
    const desk = (await (
      await api("/v1/mailboxes", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ address: "desk@edge.test" }),
      })
    ).json()) as { id: string };
    const created = await api("/v1/reply-addresses", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        mailbox_id: desk.id,
        ref: "conv-9",
        expires_in: 3600,
        sender: "bob@sender.example",
      }),
    });
    expect(created.status).toBe(201);
    const { address } = (await created.json()) as { address: string };
    const accepted = await dispatchEmail("bob@sender.example", address, message("via token", "", address));
    expect(accepted.text).not.toContain("5.7.1");
    const stored = (await (await api(`/v1/mailboxes/${desk.id}/messages`)).json()) as {
      data: Array<{ subject: string; reply_ref: string | null }>;
    };
    expect(stored.data.map((entry) => [entry.subject, entry.reply_ref])).toEqual([["via token", "conv-9"]]);
    const otherSender = await dispatchEmail(
      "eve@elsewhere.example",
      address,
      message("not bob", "", address),
    );
    expect(otherSender.text).toContain(
      "550 5.7.1 This reply address is not valid for mail from eve@elsewhere.example",
    );
    // One character of the MAC (after r2 and the 7 of the expiry) changed.
    const altered = address.replace(
      /\+(r2.{7})(.)/,
      (_, head: string, next: string) => `+${head}${next === "a" ? "b" : "a"}`,
    );
    const forged = await dispatchEmail("bob@sender.example", altered, message("forged", "", altered));
    expect(forged.text).toContain("550 5.7.1 This reply address is not valid");
    // Each refusal is in the tenant's ledger, written before the Worker's invocation ended.
    const ledger = (await (await api("/v1/rejections?reason=reply_address_invalid")).json()) as {
      data: Array<{ rcpt_to: string; code: number }>;
    };
    expect(ledger.data.map((row) => [row.rcpt_to, row.code])).toEqual([
      [altered, 550],
      [address, 550],
    ]);
    expect(
      ((await (await api(`/v1/mailboxes/${desk.id}/messages`)).json()) as { data: unknown[] }).data.length,
    ).toBe(1);
  });

  test("MIME the parser rejects is stored raw with parse_error, and announced", async () => {
    let body = "innermost\r\n";
    for (let depth = 0; depth < 150; depth++) {
      body = `Content-Type: multipart/mixed; boundary="d${depth}"\r\n\r\n--d${depth}\r\n${body}--d${depth}--\r\n`;
    }
    const raw = `From: deep@sender.example\r\nTo: anyone@edge.test\r\nSubject: too deep\r\nMessage-ID: <deep@sender.example>\r\nMIME-Version: 1.0\r\n${body}`;
    const dispatched = await dispatchEmail("deep@sender.example", "anyone@edge.test", raw);
    expect(dispatched.status).toBe(200);
    const rows = await database.client.execute(
      "SELECT id, parse_error, subject FROM messages WHERE ingress = 'email-worker' AND parse_error IS NOT NULL",
    );
    expect(String(rows.rows[0]?.parse_error ?? "")).not.toBe("");
    // The header section is plain, so its fields are kept beside the error.
    expect(rows.rows[0]?.subject).toBe("too deep");
    await waitFor(
      () => receiver.received.find((hook) => hook.body.includes(String(rows.rows[0]?.id))),
      10_000,
    );
  });

  test("the same delivery twice (a retry after a lost answer) stores one copy", async () => {
    const raw = message("delivered twice");
    expect((await dispatchEmail("bob@sender.example", "twice@edge.test", raw)).status).toBe(200);
    expect((await dispatchEmail("bob@sender.example", "twice@edge.test", raw)).status).toBe(200);
    const rows = await database.client.execute({
      sql: "SELECT count(*) AS n FROM messages WHERE subject = ?",
      args: ["delivered twice"],
    });
    expect(Number(rows.rows[0]?.n)).toBe(1);
  });

  test("the database down: the handler fails (Email Routing retries), nothing is rejected", async () => {
    await server.proxy.down();
    try {
      const failed = await worker.mf.dispatchFetch(
        "http://localhost/cdn-cgi/handler/email?from=bob@sender.example&to=anyone@edge.test",
        { method: "POST", body: message("while down") },
      );
      // A thrown handler, not a setReject: no bounce.
      expect(failed.status).not.toBe(200);
      expect(await failed.text()).not.toContain("Worker rejected email");
    } finally {
      server.proxy.up();
    }
  });

  test("the same message through the SMTP edge and through email() gives the same JSON, envelope and trace aside", async () => {
    const bun: OmniMail = await startOmniMail({ databaseUrl: server.url });
    try {
      const raw = message("both ways", "", "both@edge.test");
      expect((await dispatchEmail("bob@sender.example", "both@edge.test", raw)).status).toBe(200);
      expect(
        await sendMail(bun.smtpPort, {
          envelope: { from: "bob@sender.example", to: ["both@edge.test"] },
          raw,
        }),
      ).toMatch(/^250 /);
      const copies = (await list("?subject=both%20ways")).map((summary) => summary.id);
      expect(copies.length).toBe(2);
      const [first, second] = await Promise.all(
        copies.map(async (id) => (await (await api(`/v1/messages/${id}`)).json()) as Record<string, unknown>),
      );
      const comparable = (json: Record<string, unknown> | undefined) => {
        const {
          id: _id,
          received_at: _at,
          envelope: _env,
          ingress: _ingress,
          auth: _auth,
          raw_url: _raw,
          size: _size,
          headers,
          ...rest
        } = json ?? {};
        // Our trace header differs by ingress; every header after it is the same.
        return { ...rest, headers: (headers as Array<{ name: string }>).slice(1) };
      };
      expect(comparable(first)).toEqual(comparable(second));
      expect(new Set([first?.ingress, second?.ingress])).toEqual(new Set(["smtp", "email-worker"]));
      const sha = (bytes: ArrayBuffer) =>
        createHash("sha256")
          .update(stripTraceHeader(new Uint8Array(bytes)).rest)
          .digest("hex");
      const raws = await Promise.all(
        copies.map(async (id) => sha(await (await api(`/v1/messages/${id}/raw`)).arrayBuffer())),
      );
      expect(raws[0]).toBe(raws[1]);
    } finally {
      await bun.stop();
    }
  });

  async function tenantOf() {
    const rows = await database.client.execute("SELECT id FROM tenants WHERE name = 'no servers'");
    return { id: String(rows.rows[0]?.id) };
  }
});
