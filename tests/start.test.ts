import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { createDatabase } from "../db/client";
import { tempDir, waitFor } from "./helpers/harness";
import { findLogLine, listeningPort } from "./helpers/logs";
import { sendMail } from "./helpers/send";
import { openRawSmtp } from "./helpers/smtp-client";
import { makeSelfSignedCert } from "./helpers/tls-cert";

// The real entry as `npm start` runs it: a separate Bun process, its own database file.
const ROOT = resolve(import.meta.dir, "..");
const dirs: string[] = [];
const children: Array<ReturnType<typeof Bun.spawn>> = [];
afterAll(() => {
  // A test that failed before its SIGTERM leaves no OmniMail running.
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
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
  children.push(child);
  let stdout = "";
  let stderr = "";
  const pump = async (stream: ReadableStream<Uint8Array>, onText: (text: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) onText(decoder.decode(chunk));
  };
  const pumped = Promise.all([
    pump(child.stdout, (text) => {
      stdout += text;
    }),
    pump(child.stderr, (text) => {
      stderr += text;
    }),
  ]);
  /** Resolves with the exit code once all of the output has been read. */
  const finished = async () => {
    const code = await child.exited;
    await pumped;
    return code;
  };
  return { child, dir, output: () => ({ stdout, stderr }), finished };
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
    // The banner comes once every port is open.
    const key = await waitFor(
      () => /API key \(shown once, keep it\): (om_live_\w+)/.exec(omni.output().stdout)?.[1],
    );
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
    // One log line per message, with its sender and recipient count (read before the envelope is reset).
    const logged = await waitFor(() => findLogLine(omni.output().stderr, "smtp message"));
    expect(logged).toMatchObject({ mailFrom: "newcomer@example.org", recipients: 1, reply: 250 });

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

/** Another program's listener on a free port of 127.0.0.1. */
async function holdPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Whether this machine can listen on `host` (Linux routes all of 127/8 to loopback; others may not). */
async function canListenOn(host: string): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(0, host, () => server.close(() => resolve(true)));
  });
}

async function countTenants(dir: string): Promise<number> {
  const database = await createDatabase({ url: `file:${join(dir, "data/omnimail.db")}` });
  try {
    const result = await database.db.$client.execute("SELECT count(*) AS n FROM tenants");
    return Number(result.rows[0]?.n);
  } finally {
    database.close();
  }
}

const secondLoopback = await canListenOn("127.0.0.2");

describe("npm start: first start and listeners", () => {
  const certDir = tempDir("omnimail-start-tls-");
  dirs.push(certDir);
  const cert = makeSelfSignedCert(certDir, "mx.test.localhost");

  test("the first-start banner points at the web inbox and at `keys create`, which makes a key that works", async () => {
    const omni = spawnOmniMail({ OMNIMAIL_PUBLIC_URL: "http://mail.test.localhost:8025" });
    const ports = await waitFor(() => {
      const { stderr } = omni.output();
      const smtp = listeningPort(stderr, "smtp listening");
      const api = listeningPort(stderr, "api listening");
      return smtp && api ? { smtp, api } : undefined;
    }, 20_000);
    const banner = await waitFor(() => {
      const { stdout } = omni.output();
      return stdout.includes("Lost the key?") ? stdout : undefined;
    });
    // The web inbox at the public URL's root, not an API route a browser gets 401 from; the port SMTP bound.
    expect(banner).toContain(
      `Send mail to anything@omnimail.localhost on port ${ports.smtp}, then read it in the web inbox at http://mail.test.localhost:8025/ (sign in with the key).`,
    );
    expect(banner).not.toContain("/v1/");
    expect(banner).toContain(
      "Lost the key? `npm run omnimail -- keys create` makes a new one (no server needed).",
    );
    expect((await fetch(`http://127.0.0.1:${ports.api}/`)).headers.get("content-type")).toContain(
      "text/html",
    );

    // The command the banner names, on this database (the server may run or not): its key is accepted.
    const cli = Bun.spawn([process.execPath, join(ROOT, "main/cli.ts"), "keys", "create", "--json"], {
      cwd: omni.dir,
      env: { PATH: process.env.PATH ?? "", HOME: omni.dir },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [created, cliErrors, cliCode] = await Promise.all([
      new Response(cli.stdout).text(),
      new Response(cli.stderr).text(),
      cli.exited,
    ]);
    expect({ cliCode, cliErrors }).toEqual({ cliCode: 0, cliErrors: "" });
    const { key } = JSON.parse(created) as { key: string };
    const mailboxes = await fetch(`http://127.0.0.1:${ports.api}/v1/mailboxes`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(mailboxes.status).toBe(200);
    omni.child.kill("SIGTERM");
    expect(await omni.finished()).toBe(0);
  }, 30_000);

  const inUse: Array<[string, Record<string, string>, boolean]> = [
    ["SMTP_PORT", {}, true],
    ["SMTPS_PORT", { SMTP_TLS_CERT: cert?.certPath ?? "", SMTP_TLS_KEY: cert?.keyPath ?? "" }, cert !== null],
    ["PORT", { HOST: "127.0.0.1" }, true],
  ];
  for (const [name, env, runnable] of inUse) {
    test.skipIf(!runnable)(
      `${name} already in use: one line naming it, exit 1, nothing announced and no tenant created`,
      async () => {
        const held = await holdPort();
        try {
          const omni = spawnOmniMail({ ...env, [name]: String(held.port) });
          expect(await omni.finished()).toBe(1);
          const { stdout, stderr } = omni.output();
          const plainLines = stderr.split("\n").filter((line) => line !== "" && !line.startsWith("{"));
          expect(plainLines).toEqual([
            `omnimail: ${name} ${held.port} is already in use: stop what listens there, or set ${name} to a free port`,
          ]);
          // No stack trace, no readiness: the API never said it listens and no key was printed.
          expect(stderr).not.toContain("Bun v");
          expect(findLogLine(stderr, "api listening")).toBeUndefined();
          expect(stdout).toBe("");
          // The next start, on a free port, is still the first start.
          expect(await countTenants(omni.dir)).toBe(0);
        } finally {
          await held.close();
        }
      },
      20_000,
    );
  }

  test("HOST is the API's bind address: a bad one stops the start naming it", async () => {
    const omni = spawnOmniMail({ HOST: "no such host!" });
    expect(await omni.finished()).toBe(1);
    expect(omni.output().stderr).toContain("configuration error: HOST:");
  });

  // 127.0.0.2 is a loopback address on Linux; elsewhere there may be none but 127.0.0.1.
  test.skipIf(!secondLoopback)(
    "HOST is the API's bind address: it listens there and nowhere else",
    async () => {
      const omni = spawnOmniMail({ HOST: "127.0.0.2" });
      const port = await waitFor(() => listeningPort(omni.output().stderr, "api listening"), 20_000);
      expect(findLogLine(omni.output().stderr, "api listening")?.host).toBe("127.0.0.2");
      expect((await fetch(`http://127.0.0.2:${port}/healthz`)).status).toBe(200);
      // Before HOST existed the API bound 0.0.0.0, where 127.0.0.1 reaches it too.
      expect(
        await fetch(`http://127.0.0.1:${port}/healthz`).then(
          () => "answered",
          () => "refused",
        ),
      ).toBe("refused");
      omni.child.kill("SIGTERM");
      expect(await omni.finished()).toBe(0);
    },
    30_000,
  );
});
