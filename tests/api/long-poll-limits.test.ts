import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApiKey } from "../../core/tenancy/api-keys";
import { type OmniMail, startOmniMail, type TestTenant, waitFor } from "../helpers/harness";
import { sendMail } from "../helpers/send";

/**
 * Issue 13, item 7: open long polls are capped per API key and per tenant
 * (per process), so one tenant's waiting requests cannot hold every socket.
 * Past the cap: 429 problem+json with Retry-After; a poll that answers, times
 * out or is abandoned frees its place.
 */

let omni: OmniMail;
let acme: TestTenant;
let globex: TestTenant;
let secondKey: string;
const inbox = () => acme.mailboxes["inbox@acme.test"] ?? "";

beforeAll(async () => {
  omni = await startOmniMail({
    env: { OMNIMAIL_LONG_POLLS_PER_KEY: "2", OMNIMAIL_LONG_POLLS_PER_TENANT: "3" },
  });
  acme = await omni.addTenant("acme.test", ["inbox"]);
  globex = await omni.addTenant("globex.test", ["inbox"]);
  secondKey = (await createApiKey(omni.store, { tenantId: acme.id, name: "second" })).key;
});
afterAll(() => omni.stop());

const wait = (key: string, timeout: number, signal?: AbortSignal) =>
  omni.api(`/v1/mailboxes/${inbox()}/messages/wait?timeout=${timeout}`, key, signal ? { signal } : {});

/** Resolves once a `timeout=0` poll with this key is refused: the polls before it are open on the server. */
async function refusedOnceOpen(key: string, mailboxPath = `/v1/mailboxes/${inbox()}`): Promise<Response> {
  return waitFor(async () => {
    const response = await omni.api(`${mailboxPath}/messages/wait?timeout=0`, key);
    if (response.status === 429) return response;
    await response.body?.cancel();
    return undefined;
  });
}

type Problem = { type: string; status: number; detail: string };

describe("open long polls per key and per tenant", () => {
  test("past the key's cap, then past the tenant's: 429 problem+json with Retry-After; others unaffected", async () => {
    const held = [wait(acme.apiKey, 30), wait(acme.apiKey, 30)];
    const byKey = await refusedOnceOpen(acme.apiKey);
    expect(byKey.headers.get("content-type")).toBe("application/problem+json");
    const keyProblem = (await byKey.json()) as Problem;
    expect(keyProblem.type).toBe("urn:omnimail:problem:too-many-long-polls");
    expect(keyProblem.status).toBe(429);
    expect(keyProblem.detail).toContain("OMNIMAIL_LONG_POLLS_PER_KEY");
    // Retry-After: when the soonest open poll times out, at the latest.
    const retryAfter = Number(byKey.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);

    // The tenant's third place goes to its other key; a fourth is refused for the tenant.
    held.push(wait(secondKey, 30));
    const byTenant = await refusedOnceOpen(secondKey);
    const tenantProblem = (await byTenant.json()) as Problem;
    expect(tenantProblem.detail).toContain("OMNIMAIL_LONG_POLLS_PER_TENANT");
    expect(Number(byTenant.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

    // Another tenant waits as usual.
    const other = await omni.api(
      `/v1/mailboxes/${globex.mailboxes["inbox@globex.test"]}/messages/wait?timeout=0`,
      globex.apiKey,
    );
    expect(other.status).toBe(204);

    // Mail arrives: the open polls answer 200 and their places are free again.
    await sendMail(omni.smtpPort, {
      from: "ann@example.org",
      to: "inbox@acme.test",
      subject: "wake up",
      text: "hello",
    });
    const answered = await Promise.all(held);
    expect(answered.map((response) => response.status)).toEqual([200, 200, 200]);
    await Promise.all(answered.map((response) => response.body?.cancel()));
    expect((await wait(acme.apiKey, 0)).status).toBe(204);
    expect((await wait(secondKey, 0)).status).toBe(204);
  });

  test("a poll the client abandons frees its place", async () => {
    const controllers = [new AbortController(), new AbortController()];
    const held = controllers.map((controller) =>
      wait(acme.apiKey, 30, controller.signal).catch((error: unknown) => error),
    );
    await refusedOnceOpen(acme.apiKey);
    for (const controller of controllers) controller.abort();
    await Promise.all(held);
    const accepted = await waitFor(async () => {
      const response = await wait(acme.apiKey, 0);
      return response.status === 204 ? response : undefined;
    });
    expect(accepted.status).toBe(204);
  });

  test("another tenant's mailbox is still 404, and the attempt holds no place", async () => {
    const foreign = await omni.api(
      `/v1/mailboxes/${globex.mailboxes["inbox@globex.test"]}/messages/wait?timeout=5`,
      acme.apiKey,
    );
    expect(foreign.status).toBe(404);
    expect((await wait(acme.apiKey, 0)).status).toBe(204);
  });
});
