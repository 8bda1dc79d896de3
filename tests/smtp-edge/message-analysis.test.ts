import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { sendMail } from "../helpers/send";
import { openRawSmtp } from "../helpers/smtp-client";

/**
 * Mail a program can act on, end to end over SMTP: the derived fields on the
 * message JSON, its summary and its webhook (stripped_text, text from HTML,
 * markdown, kind, bounce, codes, links, thread_id), threads per mailbox and
 * never across tenants, the long poll's filters, and `messages reparse`.
 */

let omni: OmniMail;
let acme: TestTenant;
let globex: TestTenant;
let support: string;
let sales: string;
let receiver: Receiver;

type Message = Record<string, unknown> & { id: string; subject: string };

async function rawSend(mailFrom: string, to: string, message: string) {
  const smtp = await openRawSmtp(omni.smtpPort);
  try {
    await smtp.reply();
    await smtp.command("EHLO client.example.org");
    await smtp.command(`MAIL FROM:<${mailFrom}>`);
    expect((await smtp.command(`RCPT TO:<${to}>`)).code).toBe(250);
    await smtp.command("DATA");
    smtp.write(`${message.replace(/\n/g, "\r\n")}\r\n.\r\n`);
    expect((await smtp.reply()).code).toBe(250);
  } finally {
    smtp.close();
  }
}

const newest = async (mailbox: string, tenant = acme): Promise<Message> => {
  const page = (await (
    await omni.api(`/v1/mailboxes/${mailbox}/messages?limit=1`, tenant.apiKey)
  ).json()) as {
    data: Message[];
  };
  return (await (await omni.api(`/v1/messages/${page.data[0]?.id}`, tenant.apiKey)).json()) as Message;
};

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["support", "sales"]);
  globex = await omni.addTenant("globex.test", ["support"]);
  support = acme.mailboxes["support@acme.test"] ?? "";
  sales = acme.mailboxes["sales@acme.test"] ?? "";
  receiver = startReceiver();
  await omni.api("/v1/webhooks", acme.apiKey, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: receiver.url }),
  });
});
afterAll(async () => {
  receiver.stop();
  await omni.stop();
});

describe("derived fields", () => {
  test("an HTML-only Gmail reply: text from HTML, the new words without the quote, Markdown, links", async () => {
    await sendMail(omni.smtpPort, {
      from: "Customer <customer@example.org>",
      to: "support@acme.test",
      subject: "Re: your ticket",
      html: [
        '<div dir="ltr">Thanks, that <b>fixed</b> it. See <a href="https://example.org/log">the log</a>.</div>',
        '<img src="https://t.example.org/open.gif" width="1" height="1">',
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, Mar 2, 2026 at 9:41 AM Acme Support &lt;support@acme.test&gt; wrote:<br></div>',
        "<blockquote>Please try again.</blockquote></div>",
      ].join(""),
    });
    const message = await newest(support);
    expect(message.text_source).toBe("html");
    expect(String(message.text)).toContain("Thanks, that fixed it.");
    expect(message.stripped_text).toBe("Thanks, that fixed it. See the log (https://example.org/log).");
    expect(String(message.markdown)).toContain("**fixed**");
    expect(String(message.markdown)).not.toContain("open.gif");
    expect(message.links).toContainEqual({ url: "https://example.org/log", text: "the log" });
    expect(message.kind).toBe("human");
    // The webhook carries them too.
    const hook = await waitFor(() => receiver.received.find((entry) => entry.body.includes("your ticket")));
    const data = (JSON.parse(hook.body) as { data: Record<string, unknown> }).data;
    expect(data.stripped_text).toBe(message.stripped_text);
    expect(data.kind).toBe("human");
    expect(data.thread_id).toBe(message.thread_id);
    expect(String(data.thread_id)).toStartWith("thr_");
  });

  test("a plain message's stripped_text is its text, and its Markdown is its text, in the API and the webhook", async () => {
    await sendMail(omni.smtpPort, {
      from: "someone@example.org",
      to: "support@acme.test",
      subject: "plain words",
      text: "Just *one* line.\n",
    });
    const message = await newest(support);
    expect(message.stripped_text).toBe("Just *one* line.");
    expect(message.markdown).toBe("Just \\*one\\* line.");
    const hook = await waitFor(() => receiver.received.find((entry) => entry.body.includes("plain words")));
    const data = (JSON.parse(hook.body) as { data: Record<string, unknown> }).data;
    expect(data.stripped_text).toBe("Just *one* line.");
    expect(data.markdown).toBe(message.markdown);
    expect(data.signature).toBeNull();
  });

  test("a sign-up code: found with its sentence, and a long poll waits for exactly that message", async () => {
    const waiting = omni.api(
      `/v1/mailboxes/${sales}/messages/wait?timeout=10&from=noreply@service.example&q=code`,
      acme.apiKey,
    );
    await Bun.sleep(100);
    // Not this one (another sender), nor this one (no "code").
    await sendMail(omni.smtpPort, {
      from: "someone@else.example",
      to: "sales@acme.test",
      subject: "Your code",
      text: "x",
    });
    await sendMail(omni.smtpPort, {
      from: "noreply@service.example",
      to: "sales@acme.test",
      subject: "Welcome",
      text: "hi",
    });
    await sendMail(omni.smtpPort, {
      from: "noreply@service.example",
      to: "sales@acme.test",
      subject: "Confirm your address",
      text: "Your verification code is 482913. It expires in 10 minutes. Order #556677 is unrelated.",
    });
    const response = await waiting;
    expect(response.status).toBe(200);
    const [summary] = ((await response.json()) as { data: Message[] }).data;
    expect(summary?.subject).toBe("Confirm your address");
    const message = (await (await omni.api(`/v1/messages/${summary?.id}`, acme.apiKey)).json()) as {
      codes: Array<{ value: string; context: string }>;
    };
    expect(message.codes.map((code) => code.value)).toEqual(["482913"]);
    expect(message.codes[0]?.context).toContain("verification code is 482913");
  });

  test("a Postfix bounce: kind bounce with its failed recipient; the list filters by kind", async () => {
    await rawSend(
      "",
      "sales@acme.test",
      [
        "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)",
        "To: sales@acme.test",
        "Subject: Undelivered Mail Returned to Sender",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
        "",
        "--B",
        "Content-Type: text/plain",
        "",
        "I'm sorry to have to inform you that your message could not be delivered.",
        "--B",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.example.org",
        "",
        "Final-Recipient: rfc822; gone@example.org",
        "Action: failed",
        "Status: 5.1.1",
        "Remote-MTA: dns; mail.example.org",
        "Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected",
        "--B",
        "Content-Type: text/rfc822-headers",
        "",
        "Message-ID: <original-1@acme.test>",
        "Subject: our offer",
        "--B--",
      ].join("\n"),
    );
    const bounces = (await (
      await omni.api(`/v1/mailboxes/${sales}/messages?kind=bounce`, acme.apiKey)
    ).json()) as {
      data: Message[];
    };
    expect(bounces.data.map((message) => message.subject)).toEqual(["Undelivered Mail Returned to Sender"]);
    const message = (await (await omni.api(`/v1/messages/${bounces.data[0]?.id}`, acme.apiKey)).json()) as {
      kind: string;
      kind_reasons: string[];
      bounce: Array<Record<string, string | null>>;
    };
    expect(message.kind).toBe("bounce");
    expect(message.kind_reasons.length).toBeGreaterThan(0);
    expect(message.bounce).toEqual([
      {
        action: "failed",
        status: "5.1.1",
        final_recipient: "gone@example.org",
        diagnostic_code: "550 5.1.1 <gone@example.org>: Recipient address rejected",
        remote_mta: "mail.example.org",
        original_message_id: "<original-1@acme.test>",
      },
    ]);
  });

  test("an RFC 3834 auto-reply is auto_reply", async () => {
    await rawSend(
      "",
      "sales@acme.test",
      "From: Pat <pat@example.org>\nTo: sales@acme.test\nSubject: Out of office\nAuto-Submitted: auto-replied\n\nAway until Monday.",
    );
    expect((await newest(sales)).kind).toBe("auto_reply");
  });
});

describe("fidelity", () => {
  test("a message nested 120 deep is stored with parse_error and still its subject, from, date and message id", async () => {
    let body = "Content-Type: text/plain\n\ninnermost";
    for (let depth = 0; depth < 120; depth++) {
      body = `Content-Type: multipart/mixed; boundary="b${depth}"\n\n--b${depth}\n${body}\n--b${depth}--`;
    }
    await rawSend(
      "deep@example.org",
      "support@acme.test",
      `From: Deep Sender <deep@example.org>\nTo: support@acme.test\nSubject: Very nested\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <deep-1@example.org>\nMIME-Version: 1.0\n${body}`,
    );
    const message = await newest(support);
    expect(message.parse_error).not.toBeNull();
    expect(message).toMatchObject({
      subject: "Very nested",
      from: { address: "deep@example.org", name: "Deep Sender" },
      message_id: "<deep-1@example.org>",
      date: expect.stringMatching(/^2026-12-01T10:00:00/) as unknown as string,
    });
  });

  test("From: with a bare local part keeps it; two From fields are an anomaly and the first is shown", async () => {
    await rawSend(
      "x@example.org",
      "support@acme.test",
      "From: foo\nTo: support@acme.test\nSubject: bare\n\nhi",
    );
    expect(((await newest(support)).from as { address: string }).address).toBe("foo");
    await rawSend(
      "x@example.org",
      "support@acme.test",
      "From: First <first@example.org>\nFrom: Second <second@example.org>\nTo: support@acme.test\nSubject: twice\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <twice@example.org>\n\nhi",
    );
    const twice = await newest(support);
    expect((twice.from as { address: string }).address).toBe("first@example.org");
    expect(twice.header_anomalies).toContain("duplicate_from");
  });
});

describe("threads", () => {
  test("three messages of one conversation in two mailboxes: grouped within each mailbox, never across tenants", async () => {
    const first = "<thread-1@example.org>";
    await sendMail(omni.smtpPort, {
      from: "alice@example.org",
      to: ["support@acme.test", "sales@acme.test"],
      subject: "Quote for 40 units",
      messageId: first,
      text: "Can you quote?",
    });
    await sendMail(omni.smtpPort, {
      from: "bob@acme.test",
      to: ["support@acme.test", "sales@acme.test"],
      subject: "Re: Quote for 40 units",
      inReplyTo: first,
      references: [first],
      messageId: "<thread-2@acme.test>",
      text: "Here it is.",
    });
    // No References: joined by subject and a shared participant.
    await sendMail(omni.smtpPort, {
      from: "alice@example.org",
      to: "support@acme.test",
      subject: "AW: Re: Quote for 40 units",
      text: "Thanks!",
    });
    await sendMail(omni.smtpPort, {
      from: "alice@example.org",
      to: "support@globex.test",
      subject: "Quote for 40 units",
      text: "x",
    });

    const threads = async (mailbox: string, tenant = acme) =>
      (
        (await (await omni.api(`/v1/threads?mailbox_id=${mailbox}`, tenant.apiKey)).json()) as {
          data: Array<{
            id: string;
            subject: string;
            message_count: number;
            unread_count: number;
            participants: string[];
          }>;
        }
      ).data;
    const [supportThread] = await threads(support);
    expect(supportThread).toMatchObject({ subject: "Quote for 40 units", message_count: 3, unread_count: 3 });
    expect(supportThread?.participants).toEqual(
      expect.arrayContaining(["alice@example.org", "bob@acme.test"]),
    );
    const salesThread = (await threads(sales)).find((thread) => thread.subject === "Quote for 40 units");
    expect(salesThread?.message_count).toBe(2);
    expect(salesThread?.id).not.toBe(supportThread?.id);
    const globexThread = (await threads(globex.mailboxes["support@globex.test"] ?? "", globex))[0];
    expect(globexThread?.message_count).toBe(1);

    const full = (await (await omni.api(`/v1/threads/${supportThread?.id}`, acme.apiKey)).json()) as {
      messages: Message[];
    };
    expect(full.messages.map((message) => message.subject)).toEqual([
      "Quote for 40 units",
      "Re: Quote for 40 units",
      "AW: Re: Quote for 40 units",
    ]);
    expect(full.messages.every((message) => message.thread_id === supportThread?.id)).toBe(true);
    // Another tenant's thread id is not found; reading marks count.
    expect((await omni.api(`/v1/threads/${supportThread?.id}`, globex.apiKey)).status).toBe(404);
    await omni.api(`/v1/messages/${full.messages[0]?.id}`, acme.apiKey, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ seen: true }),
    });
    expect((await threads(support))[0]?.unread_count).toBe(2);
  });
});

describe("messages reparse", () => {
  test("recomputes the derived fields from the raw bytes, idempotently", async () => {
    const before = await newest(sales);
    await omni.database.client.execute({
      sql: "UPDATE messages SET kind = NULL, derived = NULL WHERE tenant_id = ?",
      args: [acme.id],
    });
    expect((await newest(sales)).kind).toBeNull();
    const run = async () => {
      const child = Bun.spawn([process.execPath, "main/cli.ts", "messages", "reparse", "--tenant", acme.id], {
        cwd: join(import.meta.dir, "../.."),
        env: { PATH: process.env.PATH ?? "", DATABASE_URL: omni.databaseUrl, LOG_LEVEL: "silent" },
        stdout: "pipe",
        stderr: "pipe",
      });
      const [stdout, stderr, code] = await Promise.all([
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
        child.exited,
      ]);
      expect(code).toBe(0);
      expect(stderr).toContain("reparsed");
      return stdout;
    };
    expect(await run()).toContain("reparsed");
    const after = await newest(sales);
    expect(after).toEqual(before);
    await run();
    expect(await newest(sales)).toEqual(before);
  });
});
