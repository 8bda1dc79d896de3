import type { DNSResolver } from "mailauth";
import type { CheckRequest, CheckResponse } from "./protocol";

/**
 * Threads that run the CPU-heavy checks of a message (parsing, sender
 * authentication) so that no message can hold the event loop that serves every
 * SMTP session and the API. Each task has a time bound; past it the task
 * answers its fallback (a parse error, a temperror) and the delivery goes on.
 *
 * - `exclusive`: a thread runs one task at a time, the others queue. A task
 *   over its time is the one holding its thread, so that thread is ended
 *   (terminate() stops even a loop that never yields) and a fresh one started.
 * - shared: a thread runs many tasks at once (they mostly wait for DNS). A task
 *   over its time answers its fallback; if the thread then does not answer a
 *   ping within `stallMs`, something in it is holding the CPU, and the thread
 *   is ended with every task on it answering its fallback.
 *
 * Threads start on first use, are unref'd (they never keep the process alive)
 * and live for the process, shared by every SMTP listener in it.
 */
export interface CheckThreadPool {
  run<T>(build: (id: number) => CheckRequest, options: TaskOptions<T>): Promise<T>;
  /** Starts the threads now, so the first messages do not wait for them (~60-160 ms each). */
  warmUp(): void;
  /** Threads running now (for tests). */
  threadCount(): number;
  /** Ends every thread; tasks in flight answer their fallback. */
  close(): void;
}

export interface TaskOptions<T> {
  timeoutMs: number;
  /** The task's answer, from the thread's response to it. */
  answer: (response: CheckResponse) => T;
  /** The answer when the task runs over its time, or its thread stops. */
  fallback: (why: "timeout" | "thread-stopped") => T;
  /** Answers the task's `dns-query` messages (a resolver that cannot cross to the thread). */
  resolver?: DNSResolver | undefined;
}

export interface PoolOptions {
  /** The thread's entry module. */
  script: URL;
  threads: number;
  exclusive: boolean;
  /** How long a shared thread may take to answer a ping before it counts as stuck. */
  stallMs?: number;
}

interface Task {
  id: number;
  request: CheckRequest;
  options: TaskOptions<unknown>;
  resolve: (value: unknown) => void;
  thread: Thread | null;
  timer: ReturnType<typeof setTimeout> | null;
  settled: boolean;
}

interface Thread {
  worker: Worker;
  tasks: Set<Task>;
  alive: boolean;
  probing: boolean;
  pongs: Map<number, () => void>;
}

const DEFAULT_STALL_MS = 1000;

export function createCheckThreadPool(options: PoolOptions): CheckThreadPool {
  const threads: Thread[] = [];
  const queue: Task[] = [];
  const tasks = new Map<number, Task>();
  let nextId = 1;
  let closed = false;

  const settle = (task: Task, value: unknown) => {
    if (task.settled) return;
    task.settled = true;
    if (task.timer) clearTimeout(task.timer);
    tasks.delete(task.id);
    task.thread?.tasks.delete(task);
    task.resolve(value);
  };

  const stop = (thread: Thread) => {
    if (!thread.alive) return;
    thread.alive = false;
    thread.worker.terminate();
    threads.splice(threads.indexOf(thread), 1);
    for (const task of [...thread.tasks]) settle(task, task.options.fallback("thread-stopped"));
    dispatch();
  };

  const spawn = (): Thread => {
    const worker = new Worker(options.script.href);
    // Bun's Worker: unref() lets the process exit while the thread idles.
    (worker as unknown as { unref(): void }).unref();
    const thread: Thread = { worker, tasks: new Set(), alive: true, probing: false, pongs: new Map() };
    worker.onmessage = (event: MessageEvent<CheckResponse>) => onMessage(thread, event.data);
    worker.onerror = () => stop(thread);
    worker.addEventListener("close", () => stop(thread));
    threads.push(thread);
    return thread;
  };

  const onMessage = (thread: Thread, message: CheckResponse) => {
    switch (message.type) {
      case "pong":
        thread.pongs.get(message.id)?.();
        return;
      case "dns-query":
        return answerDns(thread, message);
      default: {
        const task = tasks.get(message.id);
        if (task) settle(task, task.options.answer(message));
        if (options.exclusive) dispatch();
      }
    }
  };

  const answerDns = (thread: Thread, query: CheckResponse & { type: "dns-query" }) => {
    const answer = (reply: Omit<CheckRequest & { type: "dns-answer" }, "type" | "id">) => {
      if (thread.alive)
        thread.worker.postMessage({ type: "dns-answer", id: query.id, ...reply } satisfies CheckRequest);
    };
    const resolver = tasks.get(query.task)?.options.resolver;
    if (!resolver) return answer({ error: { message: `no resolver for ${query.name}`, code: "ETIMEOUT" } });
    resolver(query.name, query.rrtype).then(
      (records) => answer({ records }),
      (error: unknown) =>
        answer({
          error: {
            message: error instanceof Error ? error.message : String(error),
            code:
              typeof (error as { code?: unknown })?.code === "string"
                ? (error as { code: string }).code
                : undefined,
          },
        }),
    );
  };

  /** A shared thread whose task ran over: still answering pings, or stuck on the CPU. */
  const probe = (thread: Thread) => {
    if (thread.probing || !thread.alive) return;
    thread.probing = true;
    const id = nextId++;
    const timer = setTimeout(() => {
      thread.pongs.delete(id);
      thread.probing = false;
      stop(thread);
    }, options.stallMs ?? DEFAULT_STALL_MS);
    thread.pongs.set(id, () => {
      clearTimeout(timer);
      thread.pongs.delete(id);
      thread.probing = false;
    });
    thread.worker.postMessage({ type: "ping", id } satisfies CheckRequest);
  };

  const start = (task: Task, thread: Thread) => {
    task.thread = thread;
    thread.tasks.add(task);
    task.timer = setTimeout(() => {
      settle(task, task.options.fallback("timeout"));
      if (options.exclusive) stop(thread);
      else probe(thread);
    }, task.options.timeoutMs);
    thread.worker.postMessage(task.request);
  };

  /** Exclusive: hands queued tasks to idle threads. Shared: to the least busy thread. */
  const dispatch = () => {
    while (queue.length > 0 && !closed) {
      let thread = threads.find((candidate) => candidate.tasks.size === 0);
      if (!thread && threads.length < options.threads) thread = spawn();
      if (!thread && !options.exclusive) {
        thread = threads.reduce((least, candidate) =>
          candidate.tasks.size < least.tasks.size ? candidate : least,
        );
      }
      if (!thread) return;
      const task = queue.shift() as Task;
      if (!task.settled) start(task, thread);
    }
  };

  return {
    run<T>(build: (id: number) => CheckRequest, taskOptions: TaskOptions<T>): Promise<T> {
      if (closed) return Promise.resolve(taskOptions.fallback("thread-stopped"));
      return new Promise<T>((resolve) => {
        const id = nextId++;
        const task: Task = {
          id,
          request: build(id),
          options: taskOptions as TaskOptions<unknown>,
          resolve: resolve as (value: unknown) => void,
          thread: null,
          timer: null,
          settled: false,
        };
        tasks.set(id, task);
        queue.push(task);
        dispatch();
      });
    },
    warmUp() {
      while (!closed && threads.length < options.threads) spawn();
    },
    threadCount: () => threads.length,
    close() {
      closed = true;
      for (const task of queue.splice(0)) settle(task, task.options.fallback("thread-stopped"));
      for (const thread of [...threads]) stop(thread);
    },
  };
}
