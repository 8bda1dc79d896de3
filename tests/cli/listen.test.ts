import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { type OmniMail, startOmniMail, type TestTenant, tempDir, waitFor } from "../helpers/harness";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { sendMail } from "../helpers/send";

/**
 * `npm run omnimail -- listen`: a developer's laptop gets real mail with no
 * public URL. Run as a process against a running OmniMail, forwarding to a
 * local receiver that verifies every signature with `standardwebhooks`; killed
 * and restarted mid-stream, it skips nothing and repeats nothing.
 */

let omni: OmniMail;
let acme: TestTenant;
let receiver: Receiver;
const dir = tempDir("omnimail-listen-");
const statePath = join(dir, "listen.json");

function startListen() {
  const child = Bun.spawn(
    [
      process.execPath,
      "main/cli.ts",
      "listen",
      "--url",
      omni.apiUrl,
      "--forward",
      receiver.url,
      "--state",
      statePath,
      "--types",
      "message.received",
    ],
    {
      cwd: join(import.meta.dir, "../.."),
      // The key from the environment, as the usage suggests (not in the process list).
      env: { PATH: process.env.PATH ?? "", OMNIMAIL_API_KEY: acme.apiKey },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  let output = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) output += decoder.decode(chunk);
  })();
  return {
    child,
    output: () => output,
    async waitFor(text: string) {
      await waitFor(() => (output.includes(text) ? true : undefined), 10_000);
    },
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      child.kill(signal);
      await child.exited;
      await reading;
    },
  };
}

const send = (subject: string) =>
  sendMail(omni.smtpPort, { from: "s@example.org", to: "inbox@acme.test", subject, text: subject });
const subjects = () =>
  receiver.received.map((hook) => (JSON.parse(hook.body) as { data: { subject: string } }).data.subject);

beforeAll(async () => {
  omni = await startOmniMail();
  acme = await omni.addTenant("acme.test", ["inbox"]);
  receiver = startReceiver();
});
afterAll(async () => {
  receiver.stop();
  await omni.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("omnimail listen", () => {
  test("forwards each event signed; killed and restarted mid-stream, no gaps and no repeats", async () => {
    // Mail from before the first start is not forwarded: it starts with the next event.
    await send("before");
    const first = startListen();
    await first.waitFor("connected");
    const secret = /local signing secret[^:]*: (whsec_\S+)/.exec(first.output())?.[1] ?? "";
    expect(secret).toStartWith("whsec_");
    for (const subject of ["one", "two", "three"]) await send(subject);
    await waitFor(() => (receiver.received.length >= 3 ? true : undefined), 10_000);
    await first.waitFor("-> 200");
    // Killed without a chance to clean up; mail keeps arriving while it is down.
    await first.stop("SIGKILL");
    for (const subject of ["four", "five"]) await send(subject);

    const second = startListen();
    await second.waitFor("resuming after evt_");
    // The same secret from the state file: not printed again.
    expect(second.output()).not.toContain("whsec_");
    await waitFor(() => (receiver.received.length >= 5 ? true : undefined), 10_000);
    await send("six");
    await waitFor(() => (receiver.received.length >= 6 ? true : undefined), 10_000);
    await second.waitFor("-> 200");
    await second.stop();

    expect(subjects()).toEqual(["one", "two", "three", "four", "five", "six"]);
    const verifier = new Webhook(secret);
    for (const hook of receiver.received) {
      const body = verifier.verify(hook.body, hook.headers) as { type: string; timestamp: string };
      expect(body.type).toBe("message.received");
    }
    // webhook-id is the event id: unique, increasing.
    const ids = receiver.received.map((hook) => hook.headers["webhook-id"] ?? "");
    expect(new Set(ids).size).toBe(6);
    expect([...ids].sort()).toEqual(ids);
    // One line per event with the local answer; the state file holds the last one.
    expect(second.output()).toContain(`${ids[5]}  -> 200`);
    expect((JSON.parse(readFileSync(statePath, "utf8")) as { cursor: string }).cursor).toBe(ids[5] ?? "");
  }, 60_000);

  test("a key the server refuses stops it with the server's reason and exit 1", async () => {
    const child = Bun.spawn(
      [
        process.execPath,
        "main/cli.ts",
        "listen",
        "--url",
        omni.apiUrl,
        "--key",
        "omk_not_a_real_key_000000000000",
        "--forward",
        receiver.url,
        "--state",
        join(dir, "refused.json"),
      ],
      {
        cwd: join(import.meta.dir, "../.."),
        env: { PATH: process.env.PATH ?? "" },
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
    expect(code).toBe(1);
    expect(stderr).toContain("401");
  });
});
