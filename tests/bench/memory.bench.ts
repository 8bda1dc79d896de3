import { existsSync } from "node:fs";
import { createClient } from "@libsql/client";
import { buildLargeMessage } from "./messages";
import { resetPeakRss, sampleProcess } from "./processes";
import { connectSmtp, type SmtpConnection } from "./smtp-load";

/**
 * Issue 8's memory goals, on a freshly started OmniMail: the RSS with 1,000
 * idle SMTP connections, and the peak RSS while one 25 MB message is received,
 * parsed and stored (VmHWM reset just before, via /proc/<pid>/clear_refs).
 */

export interface MemoryMeasure {
  baselineRssBytes: number;
  idleConnections: number;
  /** Connections that got a 220 greeting. */
  idleGreeted: number;
  idleRssBytes: number;
  largeMessageBytes: number;
  largeAccepted: boolean;
  largeRssBeforeBytes: number;
  largePeakRssBytes: number;
  /** Whether VmHWM could be reset (if not, the peak is the process's lifetime peak). */
  peakResetWorked: boolean;
  /** Issue 12: many large messages at once, each sender retrying its 452s. */
  concurrent: ConcurrentLargeMeasure;
}

export interface ConcurrentLargeMeasure {
  senders: number;
  messageBytes: number;
  /** Messages answered 250 (each sender sends one, retrying 4xx). */
  stored: number;
  /** 452 replies the senders got (and retried). */
  retried452: number;
  /** Copies in the database with each message's subject: 1 each when nothing was lost or doubled. */
  copiesPerMessage: { min: number; max: number };
  peakRssBytes: number;
  rssBeforeBytes: number;
  seconds: number;
  processUp: boolean;
}

export async function benchMemory(input: {
  pid: number;
  smtpPort: number;
  databaseUrl: string;
  idleConnections: number;
  largeMessageBytes: number;
  log: (line: string) => void;
}): Promise<MemoryMeasure> {
  await Bun.sleep(500);
  const baseline = sampleProcess(input.pid);

  const connections: SmtpConnection[] = [];
  let greeted = 0;
  try {
    // Opened in waves of 100, each waiting for its greeting (bounded by the reply deadline).
    for (let opened = 0; opened < input.idleConnections; opened += 100) {
      const wave = await Promise.allSettled(
        Array.from({ length: Math.min(100, input.idleConnections - opened) }, async () => {
          const connection = await connectSmtp("127.0.0.1", input.smtpPort);
          connections.push(connection);
          const reply = await connection.reply(10_000);
          if (reply.code === 220) greeted++;
        }),
      );
      const failed = wave.filter((outcome) => outcome.status === "rejected").length;
      if (failed > 0) input.log(`  ${failed} idle connections failed in a wave`);
    }
    await Bun.sleep(1000);
    const idle = sampleProcess(input.pid);
    input.log(
      `  ${greeted}/${input.idleConnections} idle connections: RSS ${mb(idle.rssBytes)} MB (fresh: ${mb(baseline.rssBytes)} MB)`,
    );
    for (const connection of connections) connection.close();
    connections.length = 0;
    await Bun.sleep(1000);

    const message = buildLargeMessage(input.largeMessageBytes, {
      from: "sender@sender.bench.localhost",
      to: "bench@omnimail.localhost",
    });
    resetPeakRss(input.pid);
    const before = sampleProcess(input.pid);
    // Where clear_refs is not supported, VmHWM stays at the lifetime peak.
    const resetWorked = before.peakRssBytes <= before.rssBytes * 1.05;
    const connection = await connectSmtp("127.0.0.1", input.smtpPort);
    let accepted = false;
    try {
      await connection.reply();
      await connection.command("EHLO client.bench.localhost");
      await connection.command(`MAIL FROM:<sender@sender.bench.localhost> SIZE=${message.byteLength}`);
      await connection.command("RCPT TO:<bench@omnimail.localhost>");
      await connection.command("DATA");
      await connection.write(message);
      await connection.write(".\r\n");
      accepted = (await connection.reply(120_000)).code === 250;
      await connection.command("QUIT").catch(() => undefined);
    } finally {
      connection.close();
    }
    const after = sampleProcess(input.pid);
    input.log(
      `  ${mb(message.byteLength)} MB message ${accepted ? "stored" : "NOT stored"}: RSS ${mb(before.rssBytes)} MB before, peak ${mb(after.peakRssBytes)} MB`,
    );
    const concurrent = await concurrentLarge({ ...input, senders: 50, messageBytes: 20_000_000 });
    return {
      concurrent,
      baselineRssBytes: baseline.rssBytes,
      idleConnections: input.idleConnections,
      idleGreeted: greeted,
      idleRssBytes: idle.rssBytes,
      largeMessageBytes: message.byteLength,
      largeAccepted: accepted,
      largeRssBeforeBytes: before.rssBytes,
      largePeakRssBytes: after.peakRssBytes,
      peakResetWorked: resetWorked,
    };
  } finally {
    for (const connection of connections) connection.close();
  }
}

/**
 * `senders` sessions at once, each with one message of `messageBytes` (SIZE
 * declared), retrying a 4xx after 200 ms as an MTA would (sooner, to load the
 * server): the in-flight budget answers 452 to those that do not fit.
 */
export async function concurrentLarge(input: {
  pid: number;
  smtpPort: number;
  databaseUrl: string;
  senders: number;
  messageBytes: number;
  log: (line: string) => void;
}): Promise<ConcurrentLargeMeasure> {
  await Bun.sleep(1000);
  resetPeakRss(input.pid);
  const before = sampleProcess(input.pid);
  const started = performance.now();
  let stored = 0;
  let retried452 = 0;
  const run = Date.now().toString(36);
  const sendOne = async (sender: number) => {
    // A subject of its own, so the stored copies can be counted per message.
    const message = buildLargeMessage(
      input.messageBytes,
      { from: "sender@sender.bench.localhost", to: "bench@omnimail.localhost" },
      `Large attachment ${run}-${sender}`,
    );
    const connection = await connectSmtp("127.0.0.1", input.smtpPort);
    try {
      await connection.reply();
      await connection.command("EHLO client.bench.localhost");
      for (let attempt = 0; attempt < 600; attempt++) {
        const mail = await connection.command(
          `MAIL FROM:<sender@sender.bench.localhost> SIZE=${message.byteLength}`,
        );
        if (mail.code === 452) {
          retried452++;
          await Bun.sleep(200);
          continue;
        }
        if (mail.code !== 250) throw new Error(`MAIL FROM: ${mail.code} ${mail.text}`);
        await connection.command("RCPT TO:<bench@omnimail.localhost>");
        await connection.command("DATA");
        await connection.write(message);
        await connection.write(".\r\n");
        const reply = await connection.reply(120_000);
        if (reply.code === 250) {
          stored++;
          return;
        }
        if (reply.code === 452) retried452++;
        else if (reply.code < 400 || reply.code >= 500) throw new Error(`DATA: ${reply.code} ${reply.text}`);
        await Bun.sleep(200);
      }
    } finally {
      connection.close();
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: input.senders }, (_, n) => sendOne(n)));
  const seconds = (performance.now() - started) / 1000;
  const after = sampleProcess(input.pid);
  for (const outcome of outcomes)
    if (outcome.status === "rejected") input.log(`  a sender failed: ${outcome.reason}`);
  const copies = await countCopies(input, run, input.senders);
  input.log(
    `  ${input.senders} × ${mb(input.messageBytes)} MB at once: ${stored} stored, ${retried452} × 452 retried, copies ${copies.min}–${copies.max}, peak ${mb(after.peakRssBytes)} MB, ${seconds.toFixed(1)} s`,
  );
  return {
    senders: input.senders,
    messageBytes: input.messageBytes,
    stored,
    retried452,
    copiesPerMessage: copies,
    peakRssBytes: after.peakRssBytes,
    rssBeforeBytes: before.rssBytes,
    seconds,
    processUp: existsSync(`/proc/${input.pid}`),
  };
}

/** Stored copies of each message of this run, by subject, read from the database. */
async function countCopies(
  input: { databaseUrl: string },
  run: string,
  senders: number,
): Promise<{ min: number; max: number }> {
  const client = createClient({ url: input.databaseUrl });
  try {
    const result = await client.execute({
      sql: "SELECT subject, count(*) AS copies FROM messages WHERE subject LIKE ? GROUP BY subject",
      args: [`Large attachment ${run}-%`],
    });
    const counts = new Map(result.rows.map((row) => [String(row.subject), Number(row.copies)]));
    const values = Array.from({ length: senders }, (_, n) => counts.get(`Large attachment ${run}-${n}`) ?? 0);
    return { min: Math.min(...values), max: Math.max(...values) };
  } finally {
    client.close();
  }
}

export function mb(bytes: number): string {
  return (bytes / 1_000_000).toFixed(1);
}
