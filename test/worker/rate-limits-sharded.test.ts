// The sharded global level through the real Worker (own file: its counters start empty): exact in total, refusals consume nothing.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { forgetFullShards } from "../../src/limits/counters";
import type { LimitCounter } from "../../src/limits/limit-counter";
import { call } from "./helpers";

async function admittedOn(shard: number): Promise<number> {
  return runInDurableObject(env.LIMIT_COUNTER.getByName(`global:${shard}`), (instance: LimitCounter) => {
    const [view] = instance.peek([{ key: "hour", level: "global", limit: 1000, windowMs: 3_600_000, burstCapacity: 0 }]);
    return 1000 - view!.remaining;
  });
}

describe("sharded global level", () => {
  it("admits exactly the global limit over its shards (a full shard spills to the others), then 429 with the whole limit", async () => {
    const vars = { RATE_LIMIT_BURST_PERIOD_SECONDS: "3600", RATE_LIMIT_GLOBAL_HOUR: "10", RATE_LIMIT_GLOBAL_DAY: "0", RATE_LIMIT_GLOBAL_SHARDS: "4" };
    const statuses: number[] = [];
    // Concurrent waves: requests race for the same shards and must spill without over-admitting.
    for (let wave = 0; wave < 3; wave++) {
      const answers = await Promise.all(Array.from({ length: 6 }, () => call("/tokens", { vars })));
      statuses.push(...answers.map((a) => a.status));
      const refused = answers.find((a) => a.status === 429);
      if (refused) expect(refused.json.details).toMatchObject({ level: "global", limit: 10, window: "hour" });
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(8);
    // Each shard holds exactly its share (10 over 4 shards: 3, 3, 2, 2) — refused requests left nothing behind.
    expect(await Promise.all([0, 1, 2, 3].map(admittedOn))).toEqual([3, 3, 2, 2]);
  });

  it("once every shard is full, refusals carry the soonest shard's wait, remembered by the isolate or asked again", async () => {
    const vars = { RATE_LIMIT_BURST_PERIOD_SECONDS: "3600", RATE_LIMIT_GLOBAL_HOUR: "10", RATE_LIMIT_GLOBAL_DAY: "0", RATE_LIMIT_GLOBAL_SHARDS: "4" };
    const refused = await call("/tokens", { vars });
    expect(refused.status).toBe(429);
    expect(refused.json.retryAfter).toBeGreaterThan(3500);
    forgetFullShards();
    expect((await call("/tokens", { vars })).status).toBe(429);
  });
});
