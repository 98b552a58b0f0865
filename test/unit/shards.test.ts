// Sharded and keyed limit levels (pure): the split of a quota, shard choice by key, combining shard answers, slow-down.
import { describe, expect, it } from "vitest";
import { ipSpecs, slowDownMs, sourceSpecs } from "../../src/limits/abuse-policy";
import { DAY_MS, decide, HOUR_MS, type LevelSpec, type LevelView } from "../../src/limits/limiter";
import { refusedEverywhere, scaleViews, shardOfKey, shareOf, splitLevel, stableHash, sumViews } from "../../src/limits/shards";

const hour: LevelSpec = { key: "hour", level: "global", limit: 100_003, windowMs: HOUR_MS, burstCapacity: 2500 };
const day: LevelSpec = { key: "day", level: "global", limit: 1_000_000, windowMs: DAY_MS, burstCapacity: 0 };
const view = (over: Partial<LevelView>): LevelView => ({ level: "global", key: "hour", limit: 10, remaining: 0, resetAt: 0, retryAfterMs: 0, ...over });

describe("splitLevel", () => {
  it("splits every quota so the shares add up to the limit exactly", () => {
    const plan = splitLevel([hour, day], 16);
    expect(plan).toHaveLength(16);
    expect(plan.reduce((n, p) => n + p.specs[0]!.limit, 0)).toBe(hour.limit);
    expect(plan.reduce((n, p) => n + p.specs[1]!.limit, 0)).toBe(day.limit);
    expect(plan.reduce((n, p) => n + p.specs[0]!.burstCapacity, 0)).toBe(hour.burstCapacity);
    expect(plan.every((p) => p.specs[1]!.burstCapacity === 0)).toBe(true);
    expect(new Set(plan.map((p) => p.specs[0]!.limit))).toEqual(new Set([6250, 6251]));
  });

  it("never uses more shards than the smallest limit, so every share is at least 1", () => {
    const small = splitLevel([{ ...hour, limit: 3, burstCapacity: 4 }, { ...day, limit: 5 }], 16);
    expect(small.map((p) => p.specs.map((s) => s.limit))).toEqual([[1, 2], [1, 2], [1, 1]]);
    expect(small.every((p) => p.specs[0]!.burstCapacity >= 1)).toBe(true);
    expect(splitLevel([hour], 1)).toEqual([{ index: 0, specs: [hour] }]);
    expect(splitLevel([], 16)).toEqual([]);
  });

  it("admits exactly the limit when every shard is driven to refusal", () => {
    const specs = [{ ...hour, limit: 37, burstCapacity: 0 }];
    let admitted = 0;
    for (const shard of splitLevel(specs, 8)) {
      let state;
      for (;;) {
        const { admission, states } = decide(shard.specs, [state], 1_000);
        if (!admission.allowed) break;
        state = states[0];
        admitted++;
      }
    }
    expect(admitted).toBe(37);
  });

  it("shareOf gives the remainder to the first shards", () => {
    expect([0, 1, 2].map((i) => shareOf(10, 3, i))).toEqual([4, 3, 3]);
  });
});

describe("keys and shards", () => {
  it("hashes a key to the same shard every time, and spreads keys over the shards", () => {
    expect(stableHash("203.0.113.7")).toBe(stableHash("203.0.113.7"));
    expect(shardOfKey("anything", 1)).toBe(0);
    const used = new Set(Array.from({ length: 200 }, (_, i) => shardOfKey(`10.0.${i >> 8}.${i & 255}`, 16)));
    expect(used.size).toBe(16);
  });
});

describe("combining shard answers", () => {
  it("scales one shard's room to the whole level", () => {
    expect(scaleViews([{ ...hour, limit: 100 }], [view({ limit: 25, remaining: 10 })], 4)).toEqual([view({ limit: 100, remaining: 40 })]);
    expect(scaleViews([{ ...hour, limit: 100 }], [view({ limit: 25, remaining: 25 })], 8)[0]!.remaining).toBe(100);
  });

  it("when every shard refused, answers with the shard that has room soonest", () => {
    const specs = [hour, day];
    const a = { allowed: false, views: [view({ remaining: 0, retryAfterMs: 9_000 }), view({ key: "day", remaining: 4 })], reservation: null };
    const b = { allowed: false, views: [view({ remaining: 2 }), view({ key: "day", remaining: 0, retryAfterMs: 5_000 })], reservation: null };
    const answer = refusedEverywhere(specs, [a, b]);
    expect(answer.allowed).toBe(false);
    expect(answer.views).toEqual([view({ remaining: 2, limit: hour.limit }), view({ key: "day", remaining: 0, retryAfterMs: 5_000, limit: day.limit })]);
  });

  it("sums shard views for a status read", () => {
    const [summed] = sumViews([{ ...hour, limit: 20 }], [[view({ remaining: 3, resetAt: 50 })], [view({ remaining: 4, resetAt: 40 })]]);
    expect(summed).toMatchObject({ limit: 20, remaining: 7, resetAt: 40, retryAfterMs: 0 });
  });
});

describe("abuse policy", () => {
  const abuse = { keyedShards: 16, ipPerMinute: 600, authFailuresPerMinute: 20, sourceDefaultPerMinute: 1200, sourcePerMinute: { github: 60 }, slowDownSoft: 0.5, slowDownMaxMs: 2000 };

  it("per-minute quotas: per IP, per source (own limit or the default), off at 0", () => {
    expect(ipSpecs(abuse)).toEqual([{ key: "minute", level: "ip", limit: 600, windowMs: 60_000, burstCapacity: 0 }]);
    expect(sourceSpecs(abuse, "github")[0]!.limit).toBe(60);
    expect(sourceSpecs(abuse, "stripe")[0]!.limit).toBe(1200);
    expect(ipSpecs({ ...abuse, ipPerMinute: 0 })).toEqual([]);
    expect(sourceSpecs({ ...abuse, sourceDefaultPerMinute: 0 }, "github")).toEqual([]);
  });

  it("slow-down: nothing up to the soft share, then growing with each request to the maximum at the limit", () => {
    const at = (used: number) => slowDownMs(view({ limit: 10, remaining: 10 - used }), 0.5, 2000);
    expect([1, 5].map(at)).toEqual([0, 0]);
    expect([6, 7, 8, 9, 10].map(at)).toEqual([400, 800, 1200, 1600, 2000]);
    expect(slowDownMs(view({ limit: 10, remaining: 0 }), 0.5, 0)).toBe(0);
    expect(slowDownMs(view({ limit: 10, remaining: 0 }), 1, 2000)).toBe(0);
  });
});
