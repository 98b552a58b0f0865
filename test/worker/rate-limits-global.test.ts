// The global level through the real Worker (own file: the global counter starts empty here).
import { describe, expect, it } from "vitest";
import { call } from "./helpers";

describe("global level", () => {
  it("enforces the hourly and then the daily global quota, for every caller including the admin secret", async () => {
    // One shard: the headers are exact (with several, Remaining is one shard's room scaled up;
    // rate-limits-sharded.test.ts covers the sharded count).
    const hourly = { RATE_LIMIT_BURST_PERIOD_SECONDS: "3600", RATE_LIMIT_GLOBAL_HOUR: "3", RATE_LIMIT_GLOBAL_DAY: "1000", RATE_LIMIT_GLOBAL_SHARDS: "1" };
    for (let i = 0; i < 3; i++) expect((await call("/tokens", { vars: hourly })).status).toBe(200);
    const refused = await call("/tokens", { vars: hourly });
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ code: "RATE_LIMITED", retryable: true, details: { level: "global", limit: 3, window: "hour" } });
    expect(refused.headers.get("X-RateLimit-Limit")).toBe("3");

    // The refused request counted nowhere: with the hourly quota off (0), the day has 3 requests in it.
    const daily = { ...hourly, RATE_LIMIT_GLOBAL_HOUR: "0", RATE_LIMIT_GLOBAL_DAY: "5" };
    const fourth = await call("/tokens", { vars: daily });
    expect(fourth.status).toBe(200);
    expect(fourth.headers.get("X-RateLimit-Limit")).toBe("5");
    expect(fourth.headers.get("X-RateLimit-Remaining")).toBe("1");
    expect((await call("/tokens", { vars: daily })).status).toBe(200);
    const dayRefused = await call("/tokens", { vars: daily });
    expect(dayRefused.status).toBe(429);
    expect(dayRefused.json.details).toMatchObject({ level: "global", limit: 5, window: "day" });
    // A day-window request leaves between 24 h and 24 h 24 min after it was admitted.
    expect(dayRefused.json.retryAfter).toBeGreaterThan(24 * 3600 - 60);
    expect(dayRefused.json.retryAfter).toBeLessThanOrEqual(24 * 3600 + 24 * 60);
  });
});
