import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type RemoteDatabase, startRemoteDatabase } from "../helpers/remote-db";
import { startWorkerBundle } from "../helpers/worker-bundle";

// The README's "OmniMail with no servers" steps, run as written against the shared libSQL test
// server: only the database URL changes (the test server speaks Hrana over plain HTTP, has no
// auth tokens and no Turso CLI), and the deploy is the same bundle run in Miniflare. So the steps
// a new user follows cannot rot without this test failing.
const ROOT = resolve(import.meta.dir, "../..");
const remote = await startRemoteDatabase();
if (!remote) console.warn("readme-steps: no shared libSQL test server; skipped");

/** The first ```sh block of a README section. */
function readmeBlock(section: string): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`## ${section}\n`);
  if (start < 0) throw new Error(`README has no section "${section}"`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start));
  if (!block?.[1]) throw new Error(`README section "${section}" has no sh block`);
  return block[1].split("\n").filter((line) => line.trim() !== "");
}

/** What this machine cannot run, with why: anything else runs verbatim. */
const NOT_HERE: Array<[RegExp, string]> = [
  [/^#/, "a comment"],
  [/^npm install$/, "the test run is already installed"],
  [/^turso /, "the Turso CLI: the test server stands in for the database"],
  [/^npx wrangler secret put /, "a Cloudflare account: the bundle gets the same values as bindings"],
  [/^npm run worker:deploy$/, "a Cloudflare account: the same bundle runs in Miniflare below"],
];

describe.skipIf(!remote)("README: OmniMail with no servers", () => {
  const server = remote as RemoteDatabase;
  afterAll(() => server.stop());

  test("the steps as written, on a libSQL server, end with mail read through the Worker", async () => {
    const lines = readmeBlock("OmniMail with no servers");
    const run = lines
      .filter((line) => !NOT_HERE.some(([pattern]) => pattern.test(line.trim())))
      .map((line) =>
        line.replaceAll("libsql://omnimail-<you>.turso.io", server.url).replaceAll("<token>", "unused"),
      );
    expect(run.some((line) => line.includes("npm run migrate"))).toBe(true);
    const shell = Bun.spawn(["bash", "-euo", "pipefail", "-c", run.join("\n")], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: "warn", OMNIMAIL_REQUIRE_SHARED: "" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, stdout, stderr] = await Promise.all([
      shell.exited,
      new Response(shell.stdout).text(),
      new Response(shell.stderr).text(),
    ]);
    if (code !== 0) throw new Error(`README steps failed (${code}):\n${stdout}\n${stderr}`);
    const key = /om_live_\w+/.exec(stdout)?.[0];
    expect(key).toBeString();

    // Step 3's deploy: the same bundle, with the secrets as bindings.
    const worker = await startWorkerBundle({
      DATABASE_URL: server.url,
      DATABASE_AUTH_TOKEN: "unused",
      OMNIMAIL_PUBLIC_URL: "https://mail.acme.example",
    });
    try {
      // Step 5: mail to anything@acme.example, read over the API.
      const email = await worker.mf.dispatchFetch(
        "http://localhost/cdn-cgi/handler/email?from=me@example.org&to=anything@acme.example",
        {
          method: "POST",
          body: "From: me@example.org\r\nTo: anything@acme.example\r\nSubject: no servers\r\nMessage-ID: <1@example.org>\r\n\r\nHello.\r\n",
        },
      );
      expect(email.status).toBe(200);
      const auth = { headers: { authorization: `Bearer ${key}` } };
      const mailboxes = (await (
        await worker.mf.dispatchFetch("https://mail.acme.example/v1/mailboxes", auth)
      ).json()) as {
        data: Array<{ id: string; address: string }>;
      };
      expect(mailboxes.data.map((mailbox) => mailbox.address)).toEqual(["*@acme.example"]);
      const page = (await (
        await worker.mf.dispatchFetch(
          `https://mail.acme.example/v1/mailboxes/${mailboxes.data[0]?.id}/messages`,
          auth,
        )
      ).json()) as { data: Array<{ subject: string }> };
      expect(page.data.map((message) => message.subject)).toEqual(["no servers"]);
    } finally {
      await worker.stop();
    }
  }, 120_000);
});
