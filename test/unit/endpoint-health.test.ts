// Endpoint health: breaker transitions and the rate bucket (consecutive failures are D1's: test/unit/outcome.test.ts, test/worker/engine.test.ts).
import { describe, expect, it } from "vitest";
import { admit, initialHealth, paceWaits, PROBE_TIMEOUT_MS, record, resetHealth, type HealthSettings } from "../../src/delivery/core/endpoint-health";

const settings: HealthSettings = { failureRate: 0.5, minRequests: 4, windowMs: 60_000, cooldownMs: 30_000 };

describe("circuit breaker", () => {
  it("stays closed below the minimum number of attempts", () => {
    const s = initialHealth(0);
    expect(record(s, [false, false, false], 1, settings).breaker).toBe("closed");
    expect(admit(s, 5, null, 2, settings)).toEqual({ admitted: 5, waitMs: 0, breaker: "closed", paced: true });
  });

  it("opens at the failure rate, holds deliveries for the cool-down, then lets one probe through", () => {
    const s = initialHealth(0);
    expect(record(s, [true, false, false, false], 10, settings).breaker).toBe("open");
    expect(admit(s, 3, null, 20, settings)).toEqual({ admitted: 0, waitMs: 29_990, breaker: "open" });
    const probe = admit(s, 3, null, 30_010, settings);
    expect(probe.admitted).toBe(1);
    expect(probe.breaker).toBe("half_open");
    expect(probe.waitMs).toBeGreaterThan(0);
    expect(admit(s, 2, null, 30_020, settings).admitted).toBe(0);
  });

  it("closes after a successful probe and re-opens after a failed one", () => {
    const s = initialHealth(0);
    record(s, [false, false, false, false], 10, settings);
    admit(s, 1, null, 40_000, settings);
    expect(record(s, [false], 40_100, settings).breaker).toBe("open");
    expect(admit(s, 1, null, 50_000, settings).admitted).toBe(0);
    admit(s, 1, null, 70_200, settings);
    expect(record(s, [true], 70_300, settings).breaker).toBe("closed");
    expect(admit(s, 4, null, 70_400, settings).admitted).toBe(4);
  });

  it("lets a new probe through when the previous one never reported", () => {
    const s = initialHealth(0);
    record(s, [false, false, false, false], 10, settings);
    expect(admit(s, 1, null, 30_010, settings).admitted).toBe(1);
    expect(admit(s, 1, null, 30_010 + PROBE_TIMEOUT_MS + 1, settings).admitted).toBe(1);
  });

  it("judges failures per window", () => {
    const s = initialHealth(0);
    record(s, [false, false, true, true, true, true], 10, settings);
    expect(record(s, [false, false], 70_000, settings).breaker).toBe("closed");
  });
});

describe("delivery rate", () => {
  it("admits up to the rate per second and says how long the rest waits", () => {
    const s = initialHealth(0);
    expect(admit(s, 5, 2, 0, settings)).toEqual({ admitted: 2, waitMs: 1500, breaker: "closed", paced: true });
    expect(admit(s, 1, 2, 100, settings).admitted).toBe(0);
    expect(admit(s, 3, 2, 1100, settings).admitted).toBe(2);
  });
  it("no rate admits everything", () => {
    expect(admit(initialHealth(0), 100, null, 0, settings).admitted).toBe(100);
  });
});

describe("reset", () => {
  it("closes an open breaker", () => {
    const s = initialHealth(0);
    record(s, [false, false, false, false], 1, settings);
    expect(s.breaker).toBe("open");
    resetHealth(s, 5);
    expect(s.breaker).toBe("closed");
    expect(admit(s, 3, null, 6, settings).admitted).toBe(3);
  });
});

describe("paced waits", () => {
  it("spread the deliveries the rate held back evenly up to the last one's wait", () => {
    expect(paceWaits(1500, 3)).toEqual([500, 1000, 1500]);
    expect(paceWaits(1000, 3)).toEqual([334, 667, 1000]);
    expect(paceWaits(1000, 0)).toEqual([]);
  });
});
