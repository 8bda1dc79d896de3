import { describe, expect, test } from "bun:test";
import { createMetrics } from "../../core/metrics";

describe("createMetrics", () => {
  test("renders rejections by reason and escapes label values", () => {
    const metrics = createMetrics();
    metrics.countMessageRejected("relay_denied");
    metrics.countMessageRejected("relay_denied");
    metrics.countMessageRejected("too_big");
    metrics.observeHttpRequest({ method: "GET", route: 'a"b\\c\nd', status: 200, seconds: 0.003 });
    const text = metrics.renderPrometheus();
    expect(text).toContain('omnimail_messages_rejected_total{reason="relay_denied",ingress="smtp"} 2\n');
    expect(text).toContain('omnimail_messages_rejected_total{reason="too_big",ingress="smtp"} 1\n');
    expect(text).toContain('route="a\\"b\\\\c\\nd"');
    expect(text).toContain('le="0.005"} 1\n');
    expect(text).toContain('omnimail_messages_received_total{ingress="smtp"} 0\n');
  });

  test("histogram buckets are cumulative", () => {
    const metrics = createMetrics();
    for (const seconds of [0.001, 0.2, 3, 120]) {
      metrics.observeHttpRequest({ method: "GET", route: "/x", status: 200, seconds });
    }
    const bucket = (le: string) =>
      metrics
        .renderPrometheus()
        .match(new RegExp(`_bucket\\{method="GET",route="/x",le="${le.replace("+", "\\+")}"\\} (\\d+)`))?.[1];
    expect([bucket("0.005"), bucket("0.25"), bucket("5"), bucket("60"), bucket("+Inf")]).toEqual([
      "1",
      "2",
      "3",
      "3",
      "4",
    ]);
  });
});
