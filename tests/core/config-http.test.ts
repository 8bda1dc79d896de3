import { describe, expect, test } from "bun:test";
import { parseConfig } from "../../core/config";
import { type ConfigRefusals, testConfigRefusals } from "./config-refusals";

describe("HTTP settings: CORS origins and the rate limit", () => {
  test("defaults: no CORS, 600 requests a minute per key", () => {
    const config = parseConfig({});
    expect(config.http.corsOrigins).toEqual([]);
    expect(config.http.rateLimitPerMinute).toBe(600);
  });

  test("a comma-separated list of origins, spaces allowed; * for any; 0 turns the limit off", () => {
    const config = parseConfig({
      OMNIMAIL_CORS_ORIGINS: "https://app.example.com, http://localhost:5173,",
      OMNIMAIL_RATE_LIMIT_PER_MINUTE: "0",
    });
    expect(config.http.corsOrigins).toEqual(["https://app.example.com", "http://localhost:5173"]);
    expect(config.http.rateLimitPerMinute).toBe(0);
    expect(parseConfig({ OMNIMAIL_CORS_ORIGINS: "*" }).http.corsOrigins).toEqual(["*"]);
  });

  const bad: ConfigRefusals = [
    [{ OMNIMAIL_CORS_ORIGINS: "app.example.com" }, "OMNIMAIL_CORS_ORIGINS"],
    [{ OMNIMAIL_CORS_ORIGINS: "https://app.example.com/path" }, "OMNIMAIL_CORS_ORIGINS"],
    [{ OMNIMAIL_CORS_ORIGINS: "ftp://files.example.com" }, "OMNIMAIL_CORS_ORIGINS"],
    [{ OMNIMAIL_RATE_LIMIT_PER_MINUTE: "fast" }, "OMNIMAIL_RATE_LIMIT_PER_MINUTE"],
    [{ OMNIMAIL_RATE_LIMIT_PER_MINUTE: "-1" }, "OMNIMAIL_RATE_LIMIT_PER_MINUTE"],
  ];
  testConfigRefusals(bad);
});
