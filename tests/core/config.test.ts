import { describe, expect, test } from "bun:test";
import { type ConfigError, parseConfig } from "../../core/config";
import { type ConfigRefusals, testConfigRefusals } from "./config-refusals";

describe("parseConfig", () => {
  test("with nothing set the product runs: file database, SMTP 2525, HTTP 8787", () => {
    const config = parseConfig({});
    expect(config.databaseUrl).toBe("file:./data/omnimail.db");
    expect(config.smtp.port).toBe(2525);
    expect(config.http.port).toBe(8787);
    expect(config.http.publicUrl).toBe("http://localhost:8787");
    expect(config.smtp.maxMessageBytes).toBe(25 * 1024 * 1024);
    expect(config.defaultDomain).toBe("omnimail.localhost");
    expect(config.webhookRetryScheduleSeconds).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(config.allowPrivateWebhooks).toBe(false);
  });

  test("empty variables count as unset", () => {
    expect(parseConfig({ SMTP_PORT: "", PORT: "" }).smtp.port).toBe(2525);
  });

  const bad: ConfigRefusals = [
    [{ SMTP_PORT: "abc" }, "SMTP_PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ DATABASE_URL: "postgres://x" }, "DATABASE_URL"],
    [{ OMNIMAIL_MAX_MESSAGE_BYTES: "-5" }, "OMNIMAIL_MAX_MESSAGE_BYTES"],
    [{ OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS: "maybe" }, "OMNIMAIL_ALLOW_PRIVATE_WEBHOOKS"],
    [{ OMNIMAIL_DEFAULT_DOMAIN: "not a domain" }, "OMNIMAIL_DEFAULT_DOMAIN"],
    [{ OMNIMAIL_WEBHOOK_RETRY_SCHEDULE: "5,soon" }, "OMNIMAIL_WEBHOOK_RETRY_SCHEDULE"],
    [{ OMNIMAIL_PUBLIC_URL: "ftp://x" }, "OMNIMAIL_PUBLIC_URL"],
    [{ OMNIMAIL_ADMIN_TOKEN: "short" }, "OMNIMAIL_ADMIN_TOKEN"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ SMTP_TLS_CERT: "/tmp/cert.pem" }, "SMTP_TLS_KEY"],
    [{ SMTPS_PORT: "smtps" }, "SMTPS_PORT"],
    [{ HOST: "not a host!" }, "HOST"],
    [{ HOST: "300.1.2.3" }, "HOST"],
    [{ HOST: "-api.example.com" }, "HOST"],
    [{ HOST: "http://127.0.0.1" }, "HOST"],
  ];
  testConfigRefusals(bad);

  test("SMTPS_PORT unset means no implicit-TLS listener, even with a certificate; 0 picks a free port", () => {
    const tls = { SMTP_TLS_CERT: "/etc/omnimail/cert.pem", SMTP_TLS_KEY: "/etc/omnimail/key.pem" };
    expect(parseConfig(tls).smtp.smtpsPort).toBeUndefined();
    expect(parseConfig({ ...tls, SMTPS_PORT: "" }).smtp.smtpsPort).toBeUndefined();
    expect(parseConfig({ ...tls, SMTPS_PORT: "465" }).smtp.smtpsPort).toBe(465);
    expect(parseConfig({ ...tls, SMTPS_PORT: "0" }).smtp.smtpsPort).toBe(0);
  });

  test("HOST is the API's bind address: 0.0.0.0 unless set to an IP address or a host name", () => {
    expect(parseConfig({}).http.host).toBe("0.0.0.0");
    for (const host of [
      "127.0.0.1",
      "10.0.0.7",
      "::",
      "::1",
      "fe80::1",
      "localhost",
      "api.internal.example",
    ]) {
      expect(parseConfig({ HOST: host }).http.host).toBe(host);
    }
  });

  test("every bad variable is reported at once", () => {
    try {
      parseConfig({ SMTP_PORT: "x", PORT: "y" });
      throw new Error("expected a ConfigError");
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.split(":")[0])).toEqual(["SMTP_PORT", "PORT"]);
    }
  });
});

describe("limits on what one tenant or client may hold (issue 13)", () => {
  test("defaults: tenant bucket twice the key's, 20 failed logins a minute, no proxy, 50 keys, 20/100 long polls", () => {
    const { http } = parseConfig({});
    expect({
      rateLimitPerMinute: http.rateLimitPerMinute,
      tenantRateLimitPerMinute: http.tenantRateLimitPerMinute,
      authFailuresPerMinute: http.authFailuresPerMinute,
      proxyHops: http.proxyHops,
      maxApiKeysPerTenant: http.maxApiKeysPerTenant,
      longPollsPerKey: http.longPollsPerKey,
      longPollsPerTenant: http.longPollsPerTenant,
    }).toEqual({
      rateLimitPerMinute: 600,
      tenantRateLimitPerMinute: 1200,
      authFailuresPerMinute: 20,
      proxyHops: 0,
      maxApiKeysPerTenant: 50,
      longPollsPerKey: 20,
      longPollsPerTenant: 100,
    });
  });

  test("OMNIMAIL_RATE_LIMIT_PER_MINUTE=0 turns the tenant bucket off too, unless that is set; not the failed-auth limit", () => {
    const off = parseConfig({ OMNIMAIL_RATE_LIMIT_PER_MINUTE: "0" }).http;
    expect([off.rateLimitPerMinute, off.tenantRateLimitPerMinute, off.authFailuresPerMinute]).toEqual([
      0, 0, 20,
    ]);
    expect(parseConfig({ OMNIMAIL_RATE_LIMIT_PER_MINUTE: "5" }).http.tenantRateLimitPerMinute).toBe(10);
    const own = parseConfig({
      OMNIMAIL_RATE_LIMIT_PER_MINUTE: "0",
      OMNIMAIL_TENANT_RATE_LIMIT_PER_MINUTE: "900",
    });
    expect(own.http.tenantRateLimitPerMinute).toBe(900);
    expect(parseConfig({ OMNIMAIL_TENANT_RATE_LIMIT_PER_MINUTE: "0" }).http.tenantRateLimitPerMinute).toBe(0);
    expect(parseConfig({ OMNIMAIL_AUTH_FAILURES_PER_MINUTE: "0" }).http.authFailuresPerMinute).toBe(0);
  });

  const bad: ConfigRefusals = [
    [{ OMNIMAIL_TENANT_RATE_LIMIT_PER_MINUTE: "-1" }, "OMNIMAIL_TENANT_RATE_LIMIT_PER_MINUTE"],
    [{ OMNIMAIL_AUTH_FAILURES_PER_MINUTE: "lots" }, "OMNIMAIL_AUTH_FAILURES_PER_MINUTE"],
    [{ OMNIMAIL_PROXY_HOPS: "11" }, "OMNIMAIL_PROXY_HOPS"],
    [{ OMNIMAIL_PROXY_HOPS: "yes" }, "OMNIMAIL_PROXY_HOPS"],
    [{ OMNIMAIL_MAX_API_KEYS_PER_TENANT: "2.5" }, "OMNIMAIL_MAX_API_KEYS_PER_TENANT"],
    [{ OMNIMAIL_LONG_POLLS_PER_KEY: "-3" }, "OMNIMAIL_LONG_POLLS_PER_KEY"],
    [{ OMNIMAIL_LONG_POLLS_PER_TENANT: "many" }, "OMNIMAIL_LONG_POLLS_PER_TENANT"],
    [{ OMNIMAIL_TEST_EVENTS_PER_MINUTE: "-1" }, "OMNIMAIL_TEST_EVENTS_PER_MINUTE"],
    [{ OMNIMAIL_TEST_EVENTS_PER_MINUTE: "often" }, "OMNIMAIL_TEST_EVENTS_PER_MINUTE"],
  ];
  testConfigRefusals(bad);
});

describe("SMTP session limits (issue 13: slow clients, error limits)", () => {
  test("defaults never bother a real MTA: DATA 10 min, a session 30 min, 500 B/s, stress over 80 % with 10 s, errors 10/20 and 1 s", () => {
    const { smtp } = parseConfig({});
    expect({
      maxDataMs: smtp.maxDataMs,
      maxSessionMs: smtp.maxSessionMs,
      minDataRate: smtp.minDataRate,
      stressPercent: smtp.stressPercent,
      stressIdleTimeoutMs: smtp.stressIdleTimeoutMs,
      softErrorLimit: smtp.softErrorLimit,
      hardErrorLimit: smtp.hardErrorLimit,
      errorDelayMs: smtp.errorDelayMs,
    }).toEqual({
      maxDataMs: 600_000,
      maxSessionMs: 1_800_000,
      minDataRate: 500,
      stressPercent: 80,
      stressIdleTimeoutMs: 10_000,
      softErrorLimit: 10,
      hardErrorLimit: 20,
      errorDelayMs: 1000,
    });
  });

  test("seconds may be fractional; 0 turns the DATA and session limits and the minimum rate off", () => {
    const { smtp } = parseConfig({
      SMTP_MAX_DATA_SECONDS: "0",
      SMTP_MAX_SESSION_SECONDS: "0.5",
      SMTP_MIN_DATA_RATE: "0",
      SMTP_STRESS_IDLE_TIMEOUT_SECONDS: "2.5",
      SMTP_STRESS_PERCENT: "100",
      SMTP_SOFT_ERROR_LIMIT: "0",
      SMTP_HARD_ERROR_LIMIT: "1",
      SMTP_ERROR_DELAY_MS: "0",
    });
    expect(smtp.maxDataMs).toBe(0);
    expect(smtp.maxSessionMs).toBe(500);
    expect(smtp.minDataRate).toBe(0);
    expect(smtp.stressIdleTimeoutMs).toBe(2500);
    expect(smtp.stressPercent).toBe(100);
    expect([smtp.softErrorLimit, smtp.hardErrorLimit, smtp.errorDelayMs]).toEqual([0, 1, 0]);
  });

  const bad: ConfigRefusals = [
    [{ SMTP_MAX_DATA_SECONDS: "-1" }, "SMTP_MAX_DATA_SECONDS"],
    [{ SMTP_MAX_DATA_SECONDS: "ten" }, "SMTP_MAX_DATA_SECONDS"],
    [{ SMTP_MAX_SESSION_SECONDS: "90000" }, "SMTP_MAX_SESSION_SECONDS"],
    [{ SMTP_MIN_DATA_RATE: "1.5" }, "SMTP_MIN_DATA_RATE"],
    [{ SMTP_STRESS_PERCENT: "0" }, "SMTP_STRESS_PERCENT"],
    [{ SMTP_STRESS_PERCENT: "120" }, "SMTP_STRESS_PERCENT"],
    [{ SMTP_STRESS_IDLE_TIMEOUT_SECONDS: "0" }, "SMTP_STRESS_IDLE_TIMEOUT_SECONDS"],
    [{ SMTP_SOFT_ERROR_LIMIT: "-2" }, "SMTP_SOFT_ERROR_LIMIT"],
    [{ SMTP_HARD_ERROR_LIMIT: "0" }, "SMTP_HARD_ERROR_LIMIT"],
    [{ SMTP_ERROR_DELAY_MS: "20000" }, "SMTP_ERROR_DELAY_MS"],
    // The soft limit is where delays start, the hard one where the session ends: soft above hard is a mistake.
    [{ SMTP_SOFT_ERROR_LIMIT: "30", SMTP_HARD_ERROR_LIMIT: "20" }, "SMTP_SOFT_ERROR_LIMIT"],
  ];
  testConfigRefusals(bad);
});
