/**
 * A small metrics registry rendered in the Prometheus text format (version
 * 0.0.4), Web APIs only so the Worker can serve it too. Counters and
 * histograms with labels; label values come from fixed sets (route patterns,
 * status codes, rejection reasons), never from user input, so the series stay few.
 */

type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  value: number;
}

interface HistogramSeries {
  labels: Labels;
  buckets: number[];
  sum: number;
  count: number;
}

/** Why a message (or one recipient of it) was refused; one label value each. */
export type RejectionReason =
  | "relay_denied"
  /** The domain is a tenant's but not verified yet (550 5.7.1). */
  | "domain_unverified"
  /** A reply address that does not verify: altered, expired, or another sender (550 5.7.1). */
  | "reply_address_invalid"
  /** A tenant's rule (550 5.7.1), its RCPT hook (550 5.7.1, or 451 4.4.3 when it fails), its quota (452 4.2.2). */
  | "rule_rejected"
  | "hook_rejected"
  | "hook_failed"
  | "quota_exceeded"
  | "mailbox_unknown"
  | "bad_recipient"
  | "too_many_recipients"
  | "too_big"
  | "storage_failed"
  /** 452 4.3.1: the disk below its free-space floor, or the in-flight byte budget spent. */
  | "insufficient_storage"
  | "lookup_failed"
  | "shutting_down"
  | "too_many_clients"
  /** A session past its error limit (refused RCPTs, bad commands): 421 4.7.0, closed. */
  | "too_many_errors";

/** Where mail came in: the SMTP edge, or Cloudflare Email Routing's Worker (label `ingress`). */
export type IngressLabel = "smtp" | "email-worker";

export interface Metrics {
  /** One per stored copy (a message to two mailboxes counts twice), after the commit. */
  countMessagesReceived(count?: number, ingress?: IngressLabel): void;
  /** One per refused RCPT or DATA (or Email Routing delivery), by reason. */
  countMessageRejected(reason: RejectionReason, ingress?: IngressLabel): void;
  /** One per answered HTTP request; `route` is the route pattern such as `/v1/messages/{id}`. */
  observeHttpRequest(input: { method: string; route: string; status: number; seconds: number }): void;
  /** After each drain run: its webhook attempts by outcome, and how long it ran. */
  observeDrainRun(input: { delivered: number; failed: number; dead: number; seconds: number }): void;
  /** Something that knows a gauge's value at scrape time (the SMTP edge: its open sessions). */
  addGaugeSource(source: () => Gauges): void;
  /** The whole registry in Prometheus text format, with gauges read at scrape time. */
  renderPrometheus(gauges?: Gauges): string;
}

/** Values read when /metrics is scraped (the outbox from the database, sessions from the listener). */
export interface Gauges {
  /** Deliveries not yet delivered or dead (pending, failed and waiting for a retry, being sent). */
  outboxBacklog?: number | undefined;
  /** Age in seconds of the oldest delivery that is due now (0 when none is). */
  outboxOldestDueSeconds?: number | undefined;
  /** SMTP sessions open now. */
  smtpSessions?: number | undefined;
  /** Bytes of DATA being received or parsed now. */
  smtpBytesInFlight?: number | undefined;
}

/** Seconds a drain run took: from a pass that found nothing to one that waited on a slow receiver. */
const DRAIN_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60];

/** Seconds; from a cached read to a long poll that waited its full minute. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createMetrics(): Metrics {
  // Both ingresses are always rendered, so a dashboard sees 0 rather than no series.
  const received = new Map<string, Series>([
    [labelKey({ ingress: "smtp" }), { labels: { ingress: "smtp" }, value: 0 }],
    [labelKey({ ingress: "email-worker" }), { labels: { ingress: "email-worker" }, value: 0 }],
  ]);
  const rejected = new Map<string, Series>();
  const requests = new Map<string, Series>();
  const durations = new Map<string, HistogramSeries>();
  const attempts = new Map<string, Series>(
    (["delivered", "failed", "dead"] as const).map((outcome) => [
      labelKey({ outcome }),
      { labels: { outcome }, value: 0 },
    ]),
  );
  const drainRuns: HistogramSeries = { labels: {}, buckets: DRAIN_BUCKETS.map(() => 0), sum: 0, count: 0 };
  const gaugeSources: Array<() => Gauges> = [];

  return {
    countMessagesReceived(count = 1, ingress = "smtp") {
      increment(received, { ingress }, count);
    },
    countMessageRejected(reason, ingress = "smtp") {
      increment(rejected, { reason, ingress });
    },
    observeHttpRequest({ method, route, status, seconds }) {
      increment(requests, { method, route, status: String(status) });
      const labels = { method, route };
      const key = labelKey(labels);
      let series = durations.get(key);
      if (!series) {
        series = { labels, buckets: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
        durations.set(key, series);
      }
      observe(series, DURATION_BUCKETS, seconds);
    },
    observeDrainRun({ delivered, failed, dead, seconds }) {
      increment(attempts, { outcome: "delivered" }, delivered);
      increment(attempts, { outcome: "failed" }, failed);
      increment(attempts, { outcome: "dead" }, dead);
      observe(drainRuns, DRAIN_BUCKETS, seconds);
    },
    addGaugeSource(source) {
      gaugeSources.push(source);
    },
    renderPrometheus(scraped = {}) {
      const gauges: Gauges = Object.assign({}, ...gaugeSources.map((source) => source()), scraped);
      const lines: string[] = [];
      const counter = (name: string, help: string, series: Map<string, Series>) => {
        family(lines, name, "counter", help);
        for (const { labels, value } of series.values()) lines.push(sample(name, labels, value));
      };
      const histogram = (name: string, help: string, bounds: number[], series: Iterable<HistogramSeries>) => {
        family(lines, name, "histogram", help);
        for (const one of series) lines.push(...histogramSamples(name, bounds, one));
      };
      counter("omnimail_messages_received_total", "Messages stored, one per mailbox copy.", received);
      counter(
        "omnimail_messages_rejected_total",
        "Recipients or messages refused, by reason and ingress.",
        rejected,
      );
      counter("omnimail_http_requests_total", "HTTP requests answered, by route and status.", requests);
      histogram(
        "omnimail_http_request_duration_seconds",
        "Time from request to response, by route.",
        DURATION_BUCKETS,
        durations.values(),
      );
      counter(
        "omnimail_webhook_attempts_total",
        "Webhook POSTs by outcome: delivered (2xx), failed (will be retried), dead (no retry left, or 410).",
        attempts,
      );
      histogram(
        "omnimail_outbox_drain_run_seconds",
        "Duration of the webhook drain's runs in this process.",
        DRAIN_BUCKETS,
        [drainRuns],
      );
      const gauge = (name: string, help: string, value: number | undefined) => {
        if (value === undefined) return;
        family(lines, name, "gauge", help);
        lines.push(sample(name, {}, value));
      };
      gauge("omnimail_outbox_backlog", "Webhook deliveries not yet delivered or dead.", gauges.outboxBacklog);
      gauge(
        "omnimail_outbox_oldest_due_seconds",
        "Age of the oldest webhook delivery that is due now (0: none is waiting).",
        gauges.outboxOldestDueSeconds,
      );
      gauge("omnimail_smtp_sessions", "SMTP sessions open now.", gauges.smtpSessions);
      gauge(
        "omnimail_smtp_bytes_in_flight",
        "Bytes of DATA being received or parsed now.",
        gauges.smtpBytesInFlight,
      );
      return `${lines.join("\n")}\n`;
    },
  };
}

function increment(map: Map<string, Series>, labels: Labels, by = 1): void {
  const key = labelKey(labels);
  const series = map.get(key);
  if (series) series.value += by;
  else map.set(key, { labels, value: by });
}

function observe(series: HistogramSeries, bounds: number[], seconds: number): void {
  for (const [i, bound] of bounds.entries()) {
    if (seconds <= bound) series.buckets[i] = (series.buckets[i] ?? 0) + 1;
  }
  series.sum += seconds;
  series.count += 1;
}

/** Cumulative buckets, then +Inf, _sum and _count, as the text format has them. */
function histogramSamples(name: string, bounds: number[], series: HistogramSeries): string[] {
  return [
    ...bounds.map((bound, i) =>
      sample(`${name}_bucket`, { ...series.labels, le: String(bound) }, series.buckets[i] ?? 0),
    ),
    sample(`${name}_bucket`, { ...series.labels, le: "+Inf" }, series.count),
    sample(`${name}_sum`, series.labels, series.sum),
    sample(`${name}_count`, series.labels, series.count),
  ];
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels));
}

function family(lines: string[], name: string, type: string, help: string): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

/** Label values escape backslash, double quote and newline (the text format's only escapes). */
function sample(name: string, labels: Labels, value: number): string {
  const pairs = Object.entries(labels).map(
    ([key, raw]) => `${key}="${raw.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
  );
  return `${name}${pairs.length > 0 ? `{${pairs.join(",")}}` : ""} ${value}`;
}
