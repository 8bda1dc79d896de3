import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { tempDir, waitFor } from "./helpers/harness";
import { findLogLine, listeningPort } from "./helpers/logs";
import { sendMail } from "./helpers/send";
import { openRawSmtp } from "./helpers/smtp-client";

// The real entry as `npm start` runs it: a separate Bun process, its own database file.
const ROOT = resolve(import.meta.dir, "..");
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function spawnOmniMail(env: Record<string, string>) {
  const dir = tempDir("omnimail-start-");
  dirs.push(dir);
  const child = Bun.spawn([process.execPath, join(ROOT, "main/start.ts")], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      SMTP_PORT: "0",
      PORT: "0",
      SMTP_HOST: "127.0.0.1",
      ...env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  let stdout = "";
  let stderr = "";
  const pump = async (stream: ReadableStream<Uint8Array>, onText: (text: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) onText(decoder.decode(chunk));
  };
  void pump(child.stdout, (text) => {
    stdout += text;
  });
  void pump(child.stderr, (text) => {
    stderr += text;
  });
  return { child, dir, output: () => ({ stdout, stderr }) };
}

describe("npm start", () => {
  test("first start creates the default tenant, prints its key once, receives mail and serves it; SIGTERM lets DATA in flight finish", async () => {
    const omni = spawnOmniMail({});
    const ports = await waitFor(() => {
      const { stderr } = omni.output();
      const smtp = listeningPort(stderr, "smtp listening");
      const api = listeningPort(stderr, "api listening");
      return smtp && api ? { smtp, api } : undefined;
    }, 20_000);
    const key = /API key \(shown once, keep it\): (om_live_\w+)/.exec(omni.output().stdout)?.[1] ?? "";
    expect(key).toMatch(/^om_live_/);
    // The default database lives under ./data of the working directory.
    expect(await Bun.file(join(omni.dir, "data/omnimail.db")).exists()).toBe(true);

    const reply = await sendMail(ports.smtp, {
      from: "newcomer@example.org",
      to: "anything@omnimail.localhost",
      subject: "first mail",
      text: "it works",
    });
    expect(reply).toMatch(/^250 2\.6\.0 /);
    const api = (path: string) =>
      fetch(`http://127.0.0.1:${ports.api}${path}`, { headers: { authorization: `Bearer ${key}` } });
    const mailboxes = (await (await api("/v1/mailboxes")).json()) as {
      data: Array<{ id: string; address: string }>;
    };
    expect(mailboxes.data.map((m) => m.address)).toEqual(["*@omnimail.localhost"]);
    const list = (await (await api(`/v1/mailboxes/${mailboxes.data[0]?.id}/messages`)).json()) as {
      data: Array<{ subject: string }>;
    };
    expect(list.data.map((m) => m.subject)).toEqual(["first mail"]);

    // A message is mid-DATA when SIGTERM arrives: it is still stored and answered 250.
    const smtp = await openRawSmtp(ports.smtp);
    await smtp.reply();
    await smtp.command("EHLO client.test");
    await smtp.command("MAIL FROM:<late@example.org>");
    await smtp.command("RCPT TO:<late@omnimail.localhost>");
    expect((await smtp.command("DATA")).code).toBe(354);
    smtp.write("Subject: in flight\r\n\r\nfirst half\r\n");
    omni.child.kill("SIGTERM");
    await waitFor(() => (findLogLine(omni.output().stderr, "shutting down") ? true : undefined));
    smtp.write("second half\r\n.\r\n");
    expect((await smtp.reply()).lines[0]).toMatch(/^250 2\.6\.0 /);
    // Then the session is closed with 421 and the process exits cleanly.
    expect((await smtp.reply()).lines[0]).toMatch(/^421 4\.3\.2 /);
    expect(await omni.child.exited).toBe(0);
  }, 30_000);

  test("a bad variable stops start-up with a message naming it", async () => {
    const omni = spawnOmniMail({ SMTP_PORT: "twenty-five" });
    expect(await omni.child.exited).toBe(1);
    expect(omni.output().stderr).toContain("configuration error: SMTP_PORT:");
  });
});
