// RequestStats: the isolate start time comes from the first request, not from module load.
import { describe, expect, it } from "vitest";
import { RequestStats } from "../../src/ops/request-stats";

describe("RequestStats", () => {
  it("does not read the clock when built (module scope reads 0 in Workers)", () => {
    let reads = 0;
    new RequestStats({ now: () => (reads++, 0) });
    expect(reads).toBe(0);
  });

  it("starts at the first request, backdated by its duration", () => {
    let now = 1_000_000;
    const stats = new RequestStats({ now: () => now });
    stats.record("GET /health", 200, 40);
    now += 5_000;
    expect(stats.startedAt).toBe(1_000_000 - 40);
  });

  it("starts when first asked if nothing was recorded yet, and keeps that time", () => {
    let now = 2_000_000;
    const stats = new RequestStats({ now: () => now });
    expect(stats.startedAt).toBe(2_000_000);
    now += 60_000;
    stats.record("GET /status", 200, 1);
    expect(stats.startedAt).toBe(2_000_000);
  });
});
