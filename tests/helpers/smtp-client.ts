import { connect, type Socket } from "node:net";

/**
 * A raw SMTP client for protocol edge cases: send exact bytes, read whole
 * replies (multi-line ones joined), with a deadline on every read.
 */
export interface RawSmtp {
  /** Reads the next complete reply. */
  reply(timeoutMs?: number): Promise<{ code: number; text: string; lines: string[] }>;
  /** Sends a command line (CRLF appended) and reads its reply. */
  command(line: string): Promise<{ code: number; text: string; lines: string[] }>;
  write(data: string | Uint8Array): void;
  /** Resolves when the server closes the connection. */
  closed: Promise<void>;
  close(): void;
}

export async function openRawSmtp(port: number, host = "127.0.0.1"): Promise<RawSmtp> {
  const socket: Socket = connect({ port, host });
  let buffer = "";
  const waiters: Array<() => void> = [];
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  closed.then(() => {
    for (const wake of waiters.splice(0)) wake();
  });
  socket.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });

  function takeReply(): { code: number; text: string; lines: string[] } | null {
    const lines: string[] = [];
    let offset = 0;
    for (;;) {
      const end = buffer.indexOf("\r\n", offset);
      if (end < 0) return null;
      const line = buffer.slice(offset, end);
      lines.push(line);
      offset = end + 2;
      if (/^\d{3}( |$)/.test(line)) {
        buffer = buffer.slice(offset);
        return { code: Number(line.slice(0, 3)), text: lines.map((l) => l.slice(4)).join("\n"), lines };
      }
    }
  }

  async function reply(timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = takeReply();
      if (got) return got;
      if (socket.destroyed && buffer.indexOf("\r\n") < 0)
        throw new Error(`connection closed; buffer: ${buffer}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no SMTP reply within ${timeoutMs} ms; buffer: ${JSON.stringify(buffer)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  return {
    reply,
    command: async (line) => {
      socket.write(`${line}\r\n`);
      return reply();
    },
    write: (data) => {
      socket.write(data);
    },
    closed,
    close: () => socket.destroy(),
  };
}

/** A raw session past its greeting; anything but a 220 is an error naming the reply. */
export async function openGreetedSmtp(port: number, host = "127.0.0.1"): Promise<RawSmtp> {
  const smtp = await openRawSmtp(port, host);
  const greeting = await smtp.reply();
  if (greeting.code !== 220) throw new Error(`expected a 220 greeting, got ${greeting.lines.join(" | ")}`);
  return smtp;
}
