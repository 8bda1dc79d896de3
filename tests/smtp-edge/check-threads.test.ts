import { afterEach, describe, expect, test } from "bun:test";
import { classifyKind } from "../../core/messages/analyze";
import type { ParseResult } from "../../core/messages/parse";
import { parseInThread } from "../../smtp-edge/checks/message-checks";
import { type CheckThreadPool, createCheckThreadPool } from "../../smtp-edge/checks/thread-pool";

/**
 * The threads that parse and authenticate messages off the event loop
 * (smtp-edge/checks/): every task has a time bound, and a thread held by a
 * task that never yields is ended, so no message can hold a thread, or the
 * process, past its bound.
 */
const SPIN = new URL("./fixtures/spin-thread.ts", import.meta.url);
const NOW = 0;
const FOREVER = 1;
const LATER = 2;

const pools: CheckThreadPool[] = [];
afterEach(() => {
  for (const pool of pools.splice(0)) pool.close();
});

function pool(exclusive: boolean, threads = 1): CheckThreadPool {
  const created = createCheckThreadPool({ script: SPIN, threads, exclusive, stallMs: 200 });
  pools.push(created);
  return created;
}

function task(threads: CheckThreadPool, mode: number, timeoutMs: number): Promise<string> {
  return threads
    .run<ParseResult | string>(
      (id) => ({ type: "parse", id, raw: new Uint8Array([mode]), envelopeFrom: "" }),
      {
        timeoutMs,
        answer: (response) => (response.type === "parsed" ? response.result : "unexpected"),
        fallback: (why) => why,
      },
    )
    .then((result) => (typeof result === "string" ? result : "answered"));
}

/** Runs `work` while counting 10 ms timer ticks: how long this event loop went without one. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ value: T; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 10);
  try {
    const value = await work();
    stallMs = Math.max(stallMs, performance.now() - last);
    return { value, stallMs };
  } finally {
    clearInterval(ticker);
  }
}

describe("exclusive threads (parsing)", () => {
  test("a task that never yields answers its fallback at its bound; its thread is replaced; the queue moves on", async () => {
    const threads = pool(true);
    const started = performance.now();
    const { value, stallMs } = await longestStall(() =>
      Promise.all([task(threads, FOREVER, 200), task(threads, NOW, 1000)]),
    );
    expect(value).toEqual(["timeout", "answered"]);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(stallMs).toBeLessThan(500);
    expect(threads.threadCount()).toBe(1);
    expect(await task(threads, NOW, 1000)).toBe("answered");
  });
});

describe("shared threads (sender authentication)", () => {
  test("a task over its bound on a thread that still answers pings: the thread is kept", async () => {
    const threads = pool(false);
    expect(await task(threads, LATER, 50)).toBe("timeout");
    expect(await task(threads, NOW, 1000)).toBe("answered");
    expect(threads.threadCount()).toBe(1);
  });

  test("a thread held on the CPU is ended; every task on it answers its fallback", async () => {
    const threads = pool(false);
    const waiting = task(threads, LATER, 5000);
    const started = performance.now();
    const { value, stallMs } = await longestStall(() => Promise.all([task(threads, FOREVER, 100), waiting]));
    // The spinning task at its bound, then the ping unanswered for 200 ms: the thread is ended.
    expect(value).toEqual(["timeout", "thread-stopped"]);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(stallMs).toBeLessThan(500);
    expect(threads.threadCount()).toBe(0);
    expect(await task(threads, NOW, 1000)).toBe("answered");
  });
});

describe("parseInThread", () => {
  test("a message built to be slow for postal-mime is a parse error at the bound; the next parses as usual", async () => {
    // 400,000 parts without headers: postal-mime never yields while it works through them (seconds).
    const slow = Buffer.from(
      `From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n${"--b\r\n\r\np\r\n".repeat(400_000)}--b--\r\n`,
    );
    const started = performance.now();
    const { value, stallMs } = await longestStall(() => parseInThread(slow, "a@example.org", 300));
    expect(value).toEqual({
      parsed: {
        ok: false,
        error: "parsing took over 300 ms; the message is stored as received",
        headersOnly: null,
      },
      rawKey: null,
    });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(stallMs).toBeLessThan(500);

    const next = Buffer.from("From: a@example.org\r\nSubject: next\r\n\r\nhi\r\n");
    const { parsed, rawKey } = await parseInThread(next, "a@example.org");
    expect(parsed.ok && parsed.content.subject).toBe("next");
    expect(parsed.ok && parsed.kind?.kind).toBe("human");
    expect(rawKey).toBe(new Bun.CryptoHasher("sha256").update(next).digest("hex"));
  });

  test("the parse thread classifies the mail with its envelope sender, as the ingest would", async () => {
    const bounce = Buffer.from(
      "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\n" +
        "This is the mail system at host mx.example.org.\r\n\r\nI'm sorry to have to inform you that your message could not\r\n" +
        "be delivered to one or more recipients.\r\n\r\n<nobody@example.com>: host mx.example.com said: 550 5.1.1 User unknown\r\n",
    );
    for (const envelopeFrom of ["", "someone@example.org"]) {
      const { parsed } = await parseInThread(bounce, envelopeFrom);
      if (!parsed.ok) throw new Error(parsed.error);
      expect(parsed.kind).toEqual(classifyKind(parsed.content, envelopeFrom));
    }
    const fromNullSender = await parseInThread(bounce, "");
    expect(fromNullSender.parsed.ok && fromNullSender.parsed.kind?.kind).toBe("bounce");
  });
});
