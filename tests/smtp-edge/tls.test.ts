import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { copyFileSync, rmSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import nodemailer from "nodemailer";
import { type OmniMail, startOmniMail, type TestTenant, tempDir, waitFor } from "../helpers/harness";
import { makeSelfSignedCert, type TestCert } from "../helpers/tls-cert";

/**
 * TLS on Bun: STARTTLS on the main port and implicit TLS on SMTPS_PORT, with
 * Node's TLS client (nodemailer) and openssl as peers. smtp-server's server-side
 * TLS under Bun is a known weak spot, so this proves it on the pinned Bun.
 */
const dir = tempDir("omnimail-tls-");
const cert = makeSelfSignedCert(dir, "mx.test.localhost");
let omni: OmniMail;
let tenant: TestTenant;

beforeAll(async () => {
  if (!cert) return;
  // The server reads these paths; the reload test overwrites them.
  copyFileSync(cert.certPath, `${dir}/live.pem`);
  copyFileSync(cert.keyPath, `${dir}/live-key.pem`);
  omni = await startOmniMail({
    env: { SMTP_TLS_CERT: `${dir}/live.pem`, SMTP_TLS_KEY: `${dir}/live-key.pem`, SMTPS_PORT: "0" },
    smtpLimits: { maxConnectionsPerIp: 0 },
  });
  tenant = await omni.addTenant("acme.test", ["*"]);
});
afterAll(async () => {
  await omni?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A line reader over a socket that can be swapped for its TLS upgrade. */
function lineReader() {
  let buffer = "";
  const waiters: Array<() => void> = [];
  return {
    feed: (chunk: Buffer) => {
      buffer += chunk.toString("latin1");
      for (const wake of waiters.splice(0)) wake();
    },
    async reply(timeoutMs = 5000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buffer);
        if (match) {
          const end = (match.index ?? 0) + match[0].length;
          const text = buffer.slice(0, end);
          buffer = buffer.slice(end);
          return text.trim().split("\r\n").pop() ?? "";
        }
        if (Date.now() > deadline) throw new Error(`no reply; have ${JSON.stringify(buffer)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}

/** Connects, says EHLO, STARTTLS (optionally with a command pipelined behind it), and upgrades. */
async function startTls(port: number, pipelinedAfterStarttls = "") {
  const reader = lineReader();
  const plain = netConnect({ port, host: "127.0.0.1" });
  plain.on("data", reader.feed);
  await reader.reply();
  plain.write("EHLO client.test\r\n");
  await reader.reply();
  plain.write(`STARTTLS\r\n${pipelinedAfterStarttls}`);
  expect(await reader.reply()).toMatch(/^220 /);
  plain.removeListener("data", reader.feed);
  const secure: TLSSocket = await new Promise((resolve, reject) => {
    const socket = tlsConnect(
      { socket: plain, servername: "mx.test.localhost", rejectUnauthorized: false },
      () => resolve(socket),
    );
    socket.once("error", reject);
  });
  secure.on("data", reader.feed);
  const send = async (line: string) => {
    secure.write(`${line}\r\n`);
    return reader.reply();
  };
  return { secure, send, reader };
}

describe.skipIf(!cert)("TLS", () => {
  test("20 STARTTLS sessions and 20 implicit-TLS sessions from nodemailer all deliver", async () => {
    const send = async (secure: boolean, i: number) => {
      const transport = nodemailer.createTransport({
        host: "127.0.0.1",
        port: secure ? (omni.smtp.smtpsPort ?? 0) : omni.smtpPort,
        secure,
        requireTLS: !secure,
        tls: { ca: cert?.cert, servername: "mx.test.localhost" },
      });
      try {
        const info = await transport.sendMail({
          from: "t@example.org",
          to: `tls${i}@acme.test`,
          subject: `tls ${secure} ${i}`,
          text: ".",
        });
        return info.response.startsWith("250 ");
      } finally {
        transport.close();
      }
    };
    const results: boolean[] = [];
    for (const secure of [false, true]) {
      for (let batch = 0; batch < 2; batch++) {
        results.push(
          ...(await Promise.all(Array.from({ length: 10 }, (_, i) => send(secure, batch * 10 + i)))),
        );
      }
    }
    expect(results.length).toBe(40);
    expect(results.every(Boolean)).toBe(true);
  }, 60_000);

  test("openssl s_client delivers over STARTTLS and over implicit TLS; the message records TLS", async () => {
    for (const [args, label] of [
      [["-starttls", "smtp", "-connect", `127.0.0.1:${omni.smtpPort}`], "starttls"],
      [["-connect", `127.0.0.1:${omni.smtp.smtpsPort}`], "implicit"],
    ] as const) {
      const child = Bun.spawn(
        ["openssl", "s_client", ...args, "-quiet", "-servername", "mx.test.localhost"],
        {
          stdin: "pipe",
          stdout: "pipe",
          stderr: "pipe",
        },
      );
      let text = "";
      const output = (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of child.stdout) text += decoder.decode(chunk, { stream: true });
      })();
      let read = 0;
      /** The next complete reply (its last line, `NNN text`) in what s_client has printed so far. */
      const nextReply = () =>
        waitFor(() => {
          const match = /^\d{3} [^\r\n]*\r?\n/m.exec(text.slice(read));
          if (!match) return undefined;
          read += match.index + match[0].length;
          return match[0].trimEnd();
        }, 10_000);
      const say = (line: string) => {
        child.stdin.write(`${line}\r\n`);
        return nextReply();
      };
      // After STARTTLS the server sends no new greeting (RFC 3207 §4.2); s_client read the first one itself.
      if (label === "implicit") expect(await nextReply()).toMatch(/^220 /);
      expect(await say("EHLO openssl.test")).toMatch(/^250 /);
      expect(await say("MAIL FROM:<o@example.org>")).toMatch(/^250 /);
      expect(await say("RCPT TO:<openssl@acme.test>")).toMatch(/^250 /);
      expect(await say("DATA")).toMatch(/^354 /);
      const queued = await say(`Subject: openssl ${label}\r\n\r\nhello\r\n.`);
      expect(await say("QUIT")).toMatch(/^221 /);
      child.stdin.end();
      await output;
      await child.exited;
      const id = /^250 2\.6\.0 Ok: queued as (msg_\w+)/.exec(queued)?.[1];
      expect(id).toBeString();
      const message = (await (await omni.api(`/v1/messages/${id}`, tenant.apiKey)).json()) as {
        envelope: { tls: { protocol: string; cipher: string } | null };
        headers: Array<{ name: string; value: string }>;
      };
      expect(message.envelope.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
      expect(message.envelope.tls?.cipher).toBeString();
      expect(message.headers[0]?.value).toContain("with ESMTPS id");
    }
  }, 20_000);

  test("after STARTTLS the session starts over (RFC 3207 §4.2): MAIL before a new EHLO is 503", async () => {
    const { secure, send } = await startTls(omni.smtpPort);
    expect(await send("MAIL FROM:<a@example.org>")).toMatch(/^503 5\.5\.1 /);
    expect(await send("EHLO client.test")).toMatch(/^250 /);
    expect(await send("MAIL FROM:<a@example.org>")).toMatch(/^250 /);
    secure.destroy();
  });

  test("commands pipelined behind STARTTLS in the same packet are discarded (CVE-2011-0411 class)", async () => {
    const { secure, send } = await startTls(omni.smtpPort, "MAIL FROM:<injected@evil.example>\r\n");
    expect(await send("EHLO client.test")).toMatch(/^250 /);
    // Had the injected MAIL survived, this RCPT would be accepted.
    expect(await send("RCPT TO:<x@acme.test>")).toMatch(/^503 /);
    secure.destroy();
  });

  test("a certificate without SMTPS_PORT means STARTTLS only: no implicit-TLS listener", async () => {
    await using starttlsOnly = await startOmniMail({
      env: { SMTP_TLS_CERT: `${dir}/live.pem`, SMTP_TLS_KEY: `${dir}/live-key.pem` },
    });
    expect(starttlsOnly.smtp.smtpsPort).toBeNull();
    const { secure, send } = await startTls(starttlsOnly.smtpPort);
    expect(await send("EHLO client.test")).toMatch(/^250 /);
    secure.destroy();
  });

  test("a renewed certificate is used for new sessions after reload (SIGHUP), without a restart", async () => {
    const renewed = makeSelfSignedCert(dir, "mx.test.localhost", "renewed") as TestCert;
    copyFileSync(renewed.certPath, `${dir}/live.pem`);
    copyFileSync(renewed.keyPath, `${dir}/live-key.pem`);
    omni.smtp.reloadTls();
    const peer = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect(
        {
          port: omni.smtp.smtpsPort ?? 0,
          host: "127.0.0.1",
          rejectUnauthorized: false,
          servername: "mx.test.localhost",
        },
        () => {
          resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? "");
          socket.destroy();
        },
      );
      socket.once("error", reject);
    });
    const expected = new X509Certificate(renewed.cert).fingerprint256;
    expect(peer).toBe(expected);
  });
});
