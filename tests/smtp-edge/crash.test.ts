import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { createClient } from "@libsql/client";
import { tempDir, waitFor } from "../helpers/harness";
import { listeningPort } from "../helpers/logs";
import { openRawSmtp } from "../helpers/smtp-client";

/**
 * Durability: under concurrent load the server process is killed with SIGKILL at
 * random moments and restarted. Every message that got a 250 must be there
 * exactly once afterwards, with its attachment and search row: never half-stored.
 */
const ROOT = resolve(import.meta.dir, "../..");
const dir = tempDir("omnimail-crash-");
const databaseUrl = `file:${join(dir, "omnimail.db")}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function startServer() {
  const child = Bun.spawn([process.execPath, join(ROOT, "main/smtp.ts")], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: databaseUrl,
      SMTP_PORT: "0",
      SMTP_HOST: "127.0.0.1",
      OMNIMAIL_BOOTSTRAP_API_KEY: "crash_test_key_0123456789abcdef",
      LOG_LEVEL: "info",
    },
    stdout: "ignore",
    stderr: "pipe",
  });
  let log = "";
  void (async () => {
    for await (const chunk of child.stderr) log += new TextDecoder().decode(chunk);
  })();
  const port = await waitFor(() => {
    return listeningPort(log, "smtp listening");
  }, 15_000);
  return { child, port };
}

/** One session sending messages back to back until it fails; each subject that got 250 is reported. */
async function sendSession(
  port: number,
  subjects: () => string,
  onConfirmed: (subject: string) => void,
): Promise<void> {
  const smtp = await openRawSmtp(port).catch(() => null);
  if (!smtp) return; // the server is down: nothing was accepted
  try {
    if ((await smtp.reply(3000)).code !== 220) return;
    await smtp.command("EHLO crash.test");
    for (let n = 0; n < 200; n++) {
      const subject = subjects();
      await smtp.command("MAIL FROM:<load@example.org>");
      if ((await smtp.command("RCPT TO:<crash@omnimail.localhost>")).code !== 250) return;
      if ((await smtp.command("DATA")).code !== 354) return;
      const attachment = Buffer.from(subject.repeat(200)).toString("base64").replace(/.{76}/g, "$&\r\n");
      smtp.write(
        `Subject: ${subject}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody of ${subject}\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="${subject}.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${attachment}\r\n--b--\r\n.\r\n`,
      );
      if ((await smtp.reply(10_000)).code !== 250) return;
      onConfirmed(subject);
    }
  } catch {
    // connection killed mid-transaction: that message was not confirmed
  } finally {
    smtp.close();
  }
}

test("kill -9 at random moments under load: every message that got 250 is stored exactly once, whole", async () => {
  const confirmed: string[] = [];
  let sent = 0;
  for (let round = 0; round < 5; round++) {
    const server = await startServer();
    let stop = false;
    const clients = Array.from({ length: 8 }, async (_, client) => {
      for (let session = 0; !stop && session < 50; session++) {
        await sendSession(
          server.port,
          () => `crash-${round}-${client}-${session}-${sent++}`,
          (subject) => confirmed.push(subject),
        );
      }
    });
    await Bun.sleep(300 + Math.floor(Math.random() * 700));
    server.child.kill("SIGKILL");
    await server.child.exited;
    stop = true;
    await Promise.all(clients);
  }
  expect(confirmed.length).toBeGreaterThan(20);

  const db = createClient({ url: databaseUrl });
  try {
    const rows = await db.execute(
      `SELECT m.subject, m.attachment_count,
              (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) AS attachments,
              (SELECT count(*) FROM messages_fts f WHERE f.rowid = m.rowid) AS indexed
       FROM messages m`,
    );
    const stored = new Map<string, number>();
    for (const row of rows.rows) {
      stored.set(String(row.subject), (stored.get(String(row.subject)) ?? 0) + 1);
      // Never half-stored: the attachment and the search row committed with the message.
      expect([Number(row.attachment_count), Number(row.attachments), Number(row.indexed)]).toEqual([1, 1, 1]);
    }
    const missing = confirmed.filter((subject) => stored.get(subject) !== 1);
    expect(missing).toEqual([]);
    console.info(
      `crash test: ${sent} attempted, ${confirmed.length} confirmed with 250, ${rows.rows.length} stored`,
    );
  } finally {
    db.close();
  }
}, 90_000);
