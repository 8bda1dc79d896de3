/**
 * A real HTTP receiver for webhook tests, on an ephemeral port. `respond`
 * decides each answer, so a test can make it fail, hang, redirect or say 410.
 */
export interface ReceivedHook {
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
  path: string;
  /** The query string, e.g. `?bob`: tests tell endpoints apart by it. */
  query: string;
}

export interface Receiver {
  url: string;
  port: number;
  received: ReceivedHook[];
  respond: (hook: ReceivedHook, index: number) => Response | Promise<Response>;
  stop(): void;
}

export function startReceiver(port = 0): Receiver {
  const receiver: Receiver = {
    url: "",
    port: 0,
    received: [],
    respond: () => new Response("ok"),
    stop: () => server.stop(true),
  };
  const server = Bun.serve({
    port,
    hostname: "127.0.0.1",
    idleTimeout: 30,
    async fetch(request) {
      const hook: ReceivedHook = {
        headers: Object.fromEntries(request.headers),
        body: await request.text(),
        receivedAt: Date.now(),
        path: new URL(request.url).pathname,
        query: new URL(request.url).search,
      };
      receiver.received.push(hook);
      return receiver.respond(hook, receiver.received.length - 1);
    },
  });
  receiver.port = server.port ?? port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hook`;
  return receiver;
}
