import { afterAll, beforeAll, expect, test } from "bun:test";
import type { ThreadStore } from "../../runtime/writer/thread-store";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { sendMail } from "../helpers/send";

// A crashed writer thread is restarted; while it is down /readyz says so, and mail after it is stored.
let omni: OmniMail;
let tenant: TestTenant;

beforeAll(async () => {
  omni = await startOmniMail({ writerRestartDelayMs: 400 });
  tenant = await omni.addTenant("crash.test", ["alice"]);
});
afterAll(() => omni.stop());

const readyz = async () => (await fetch(`${omni.apiUrl}/readyz`)).status;

test("killing the writer thread: /readyz 503 until it is back, then mail is 250 and stored", async () => {
  expect(await readyz()).toBe(200);
  (omni.store as ThreadStore).crashWriterForTest();
  await waitFor(async () => ((await readyz()) === 503 ? true : undefined));
  const body = (await (await fetch(`${omni.apiUrl}/readyz`)).json()) as { status: string };
  expect(body.status).toContain("writer thread restarting");
  await waitFor(async () => ((await readyz()) === 200 ? true : undefined), 10_000);

  const reply = await sendMail(omni.smtpPort, {
    from: "s@example.org",
    to: "alice@crash.test",
    subject: "after the crash",
    text: "stored",
  });
  expect(reply).toMatch(/^250 /);
  const page = (await (
    await omni.api(`/v1/mailboxes/${tenant.mailboxes["alice@crash.test"]}/messages`, tenant.apiKey)
  ).json()) as { data: Array<{ subject: string }> };
  expect(page.data.map((message) => message.subject)).toEqual(["after the crash"]);
});

test("mail sent while the thread is down waits for the restart and is stored once", async () => {
  (omni.store as ThreadStore).crashWriterForTest();
  await waitFor(async () => ((await readyz()) === 503 ? true : undefined));
  const reply = await sendMail(omni.smtpPort, {
    from: "s@example.org",
    to: "alice@crash.test",
    subject: "during the crash",
    text: "held, then stored",
  });
  expect(reply).toMatch(/^250 /);
  const rows = await omni.database.client.execute({
    sql: "SELECT count(*) AS n FROM messages WHERE subject = ?",
    args: ["during the crash"],
  });
  expect(Number(rows.rows[0]?.n)).toBe(1);
});
