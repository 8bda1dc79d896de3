import { afterAll, expect, test } from "bun:test";
import { createFetchTransport } from "../../core/webhooks/transport";
import { createGuardedTransport } from "../../runtime/webhook-transport";
import { startReceiver } from "../helpers/receiver";

// A receiver that redirects must not lead us anywhere: the 3xx is the (failed) answer.
const target = startReceiver();
const redirector = startReceiver();
redirector.respond = () => new Response(null, { status: 307, headers: { location: target.url } });
afterAll(() => {
  target.stop();
  redirector.stop();
});

test("redirects are never followed, by the Bun sender or the fetch sender", async () => {
  for (const transport of [
    createGuardedTransport({ allowPrivate: true }),
    createFetchTransport({ allowPrivate: true }),
  ]) {
    const result = await transport({ url: redirector.url, headers: {}, body: "{}", timeoutMs: 2000 });
    expect(result).toMatchObject({ kind: "response", status: 307 });
  }
  expect(redirector.received.length).toBe(2);
  expect(target.received.length).toBe(0);
});
