import { Webhook } from "standardwebhooks";
import { buildMessage } from "./messages";
import { sampleProcess } from "./processes";
import { callApi } from "./servers";
import { runSmtpLoad } from "./smtp-load";
import { quantile } from "./stats";

/**
 * Webhook latency: a Standard Webhooks endpoint on a Bun.serve receiver at
 * 127.0.0.1, mail sent at a fixed rate over reused connections, and for each
 * message the time its signed POST arrived minus the time its 250 arrived,
 * matched by id (`Ok: queued as msg_…` and the body's `data.id`). Sender and
 * receiver run in this process, so both times come from one clock. Every
 * signature is verified with the reference library.
 */

export interface WebhookMeasure {
  rate: number;
  sent: number;
  delivered: number;
  /** Deliveries whose signature did not verify. */
  badSignatures: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** OmniMail CPU per message over the run, ingest and delivery together. */
  cpuMicrosPerMessage: number;
}

export async function benchWebhooks(input: {
  apiUrl: string;
  smtpPort: number;
  pid: number;
  rates: number[];
  durationMs: number;
  /** SMTP sessions the rate is spread over (default: enough for replies of a few ms). */
  sessions?: (rate: number) => number;
  log: (line: string) => void;
}): Promise<WebhookMeasure[]> {
  const arrivals = new Map<string, { at: number; body: string; headers: Record<string, string> }>();
  const receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const at = performance.now();
      const body = await request.text();
      let id: string | undefined;
      try {
        id = (JSON.parse(body) as { data?: { id?: string } }).data?.id;
      } catch {
        id = undefined;
      }
      if (id && !arrivals.has(id))
        arrivals.set(id, { at, body, headers: Object.fromEntries(request.headers) });
      return new Response(null, { status: 204 });
    },
  });
  try {
    const endpoint = await callApi<{ id: string; secret: string }>(input.apiUrl, "/v1/webhooks", {
      method: "POST",
      body: JSON.stringify({ url: `http://127.0.0.1:${receiver.port}/hooks/omnimail` }),
    });
    const verifier = new Webhook(endpoint.secret);
    const message = buildMessage("5k", {
      from: "sender@sender.bench.localhost",
      to: "bench@omnimail.localhost",
    });
    const results: WebhookMeasure[] = [];
    for (const rate of input.rates) {
      arrivals.clear();
      const accepted = new Map<string, number>();
      const before = sampleProcess(input.pid);
      const load = await runSmtpLoad({
        host: "127.0.0.1",
        port: input.smtpPort,
        // Enough connections that the rate never waits for a reply.
        sessions: input.sessions?.(rate) ?? Math.max(4, Math.ceil(rate / 20)),
        message,
        reuse: true,
        rate,
        maxMessages: Math.round((rate * input.durationMs) / 1000),
        durationMs: input.durationMs + 5000,
        onAccepted: (id, at) => accepted.set(id, at),
      });
      // Bounded wait for the stragglers.
      const deadline = performance.now() + 15_000;
      while (performance.now() < deadline && [...accepted.keys()].some((id) => !arrivals.has(id))) {
        await Bun.sleep(20);
      }
      const after = sampleProcess(input.pid);
      const latencies: number[] = [];
      let badSignatures = 0;
      for (const [id, at] of accepted) {
        const arrival = arrivals.get(id);
        if (!arrival) continue;
        latencies.push(arrival.at - at);
        try {
          verifier.verify(arrival.body, arrival.headers);
        } catch {
          badSignatures++;
        }
      }
      const measure: WebhookMeasure = {
        rate: load.rate,
        sent: accepted.size,
        delivered: latencies.length,
        badSignatures,
        p50Ms: quantile(latencies, 0.5),
        p99Ms: quantile(latencies, 0.99),
        maxMs: latencies.length ? Math.max(...latencies) : Number.NaN,
        cpuMicrosPerMessage: accepted.size
          ? (after.cpuMicros - before.cpuMicros) / accepted.size
          : Number.NaN,
      };
      input.log(
        `  ${rate} msg/s target (${load.rate.toFixed(0)} achieved): ${measure.delivered}/${measure.sent} delivered, ` +
          `p50 ${measure.p50Ms.toFixed(2)} ms, p99 ${measure.p99Ms.toFixed(2)} ms, ${badSignatures} bad signatures` +
          (load.failed ? `, ${load.failed} SMTP failures (${load.errors.join("; ")})` : ""),
      );
      results.push(measure);
    }
    await callApi(input.apiUrl, `/v1/webhooks/${endpoint.id}`, { method: "DELETE" }).catch(() => undefined);
    return results;
  } finally {
    receiver.stop(true);
  }
}
