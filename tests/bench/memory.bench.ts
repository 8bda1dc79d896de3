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
}

export async function benchMemory(input: {
  pid: number;
  smtpPort: number;
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
    return {
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

export function mb(bytes: number): string {
  return (bytes / 1_000_000).toFixed(1);
}
