// Rate-limit policy: which quotas a request meets, and how the levels' views become one verdict.
import { describe, expect, it } from "vitest";
import { DAY_MS, HOUR_MS, type LevelView } from "../../src/limits/limiter";
import { combine, planLevels, type RateLimitConfig, tenantLevels, tightest, withoutRequest } from "../../src/limits/policy";

const CONFIG: RateLimitConfig = {
  enabled: true,
  globalPerHour: 100_000,
  globalPerDay: 1_000_000,
  endpointPerHour: { task: 2000, notify: 5000, research: 1000, off: 0 },
  tokenDefaultPerHour: 1000,
  burst: 1.5,
  burstPeriodMs: 60_000,
  globalShards: 16,
};

const view = (over: Partial<LevelView>): LevelView => ({ level: "token", key: "hour", limit: 10, remaining: 5, resetAt: 1_000_000, retryAfterMs: 0, ...over });

describe("tenantLevels", () => {
  it("is the tenant's hourly limit with the usual burst shaping, none without a limit or with limits off", () => {
    expect(tenantLevels(CONFIG, 600)).toEqual([{ key: "hour", level: "tenant", limit: 600, windowMs: HOUR_MS, burstCapacity: 15 }]);
    expect(tenantLevels(CONFIG, null)).toEqual([]);
    expect(tenantLevels({ ...CONFIG, enabled: false }, 600)).toEqual([]);
  });
});

describe("planLevels", () => {
  it("applies token, endpoint and global (hour + day) quotas from configuration", () => {
    const plan = planLevels(CONFIG, null, "task");
    expect(plan.token).toEqual([{ key: "hour", level: "token", limit: 1000, windowMs: HOUR_MS, burstCapacity: 25 }]);
    expect(plan.endpoint).toEqual([{ key: "hour", level: "endpoint", limit: 2000, windowMs: HOUR_MS, burstCapacity: 50 }]);
    expect(plan.global).toEqual([
      { key: "hour", level: "global", limit: 100_000, windowMs: HOUR_MS, burstCapacity: 2500 },
      { key: "day", level: "global", limit: 1_000_000, windowMs: DAY_MS, burstCapacity: 0 },
    ]);
  });

  it("uses the token's own limit, exempts the admin secret from the token level", () => {
    expect(planLevels(CONFIG, 40, "task").token[0]!.limit).toBe(40);
    expect(planLevels(CONFIG, "exempt", "task").token).toEqual([]);
  });

  it("has no endpoint quota for unconfigured or zero endpoints, and nothing when disabled", () => {
    expect(planLevels(CONFIG, null, "tokens").endpoint).toEqual([]);
    expect(planLevels(CONFIG, null, "off").endpoint).toEqual([]);
    expect(planLevels({ ...CONFIG, globalPerDay: 0 }, null, "task").global.map((s) => s.key)).toEqual(["hour"]);
    expect(planLevels({ ...CONFIG, enabled: false }, null, "task")).toEqual({ token: [], endpoint: [], global: [] });
  });
});

describe("combine", () => {
  const ok = (...views: LevelView[]) => ({ allowed: true, views });
  const no = (...views: LevelView[]) => ({ allowed: false, views });

  it("is null without levels", () => {
    expect(combine([])).toBeNull();
    expect(combine([ok()])).toBeNull();
    expect(tightest([])).toBeNull();
  });

  it("reports the tightest level when admitted (fewest remaining, then latest reset)", () => {
    const verdict = combine([ok(view({ level: "token", remaining: 7 })), ok(view({ level: "endpoint", limit: 50, remaining: 3, resetAt: 5_000 })), ok(view({ level: "global", limit: 9, remaining: 3, resetAt: 9_001 }))])!;
    expect(verdict.allowed).toBe(true);
    expect(verdict.binding.level).toBe("global");
    expect(verdict.headers).toEqual({ "X-RateLimit-Limit": "9", "X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "10" });
  });

  it("admits the request that takes the last unit (remaining 0 after counting it)", () => {
    const verdict = combine([ok(view({ remaining: 0, retryAfterMs: 5_000 })), ok(view({ level: "global", remaining: 9 }))])!;
    expect(verdict.allowed).toBe(true);
    expect(verdict.headers["X-RateLimit-Remaining"]).toBe("0");
  });

  it("refuses when any object refused, with its longest wait rounded up to seconds", () => {
    const verdict = combine([
      no(view({ level: "global", key: "hour", remaining: 3 }), view({ level: "global", key: "day", remaining: 0, retryAfterMs: 61_001, resetAt: 62_001 })),
      no(view({ level: "token", remaining: 0, retryAfterMs: 1_200, resetAt: 2_200 })),
      ok(view({ level: "endpoint", remaining: 0, retryAfterMs: 99_000 })),
    ])!;
    expect(verdict.allowed).toBe(false);
    expect(verdict.binding).toMatchObject({ level: "global", key: "day" });
    expect(verdict.retryAfter).toBe(62);
    expect(verdict.headers["X-RateLimit-Remaining"]).toBe("0");
    expect(verdict.headers["X-RateLimit-Reset"]).toBe("63");
  });

  it("never tells a refused client to retry in 0 seconds", () => {
    expect(combine([no(view({ remaining: 0, retryAfterMs: 3 }))])!.retryAfter).toBe(1);
  });

  it("gives a released request's unit back in views", () => {
    expect(withoutRequest(view({ remaining: 4 })).remaining).toBe(5);
    expect(withoutRequest(view({ remaining: 10 })).remaining).toBe(10);
  });
});
