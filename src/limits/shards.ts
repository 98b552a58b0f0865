/** Sharded levels (pure): how one quota is split across S counter objects, which shard a key or request uses, and how shard answers become one level's answer. */
import { stableHash } from "../lib/stable-hash";
import type { Admission, LevelSpec, LevelView } from "./limiter";

export { stableHash };

/** One shard's part of a sharded level: its object's name and its share of every quota. */
export interface ShardPlan {
  /** 0-based shard index. */
  index: number;
  specs: LevelSpec[];
}

/** The i-th share of `total` split `count` ways: the remainder goes to the first shards. */
export function shareOf(total: number, count: number, index: number): number {
  return Math.floor(total / count) + (index < total % count ? 1 : 0);
}

/**
 * Splits `specs` (all the quotas of one level) over at most `shards` objects. Every shard gets a
 * non-zero share of every quota (so there are never more shards than the smallest limit), the
 * shares add up to each limit exactly, and each shard's bucket is its share of the capacity (at
 * least 1 when the quota has a bucket). Summed over the shards, no window can admit more than the
 * quota: each shard is exact for its share.
 */
export function splitLevel(specs: LevelSpec[], shards: number): ShardPlan[] {
  if (specs.length === 0) return [];
  const count = Math.max(1, Math.min(Math.floor(shards), ...specs.map((s) => s.limit)));
  return Array.from({ length: count }, (_, index) => ({
    index,
    specs: specs.map((spec) => ({
      ...spec,
      limit: shareOf(spec.limit, count, index),
      burstCapacity: spec.burstCapacity ? Math.max(1, shareOf(spec.burstCapacity, count, index)) : 0,
    })),
  }));
}

/** The shard a key belongs to, out of `count` (a stable hash). */
export function shardOfKey(key: string, count: number): number {
  return count <= 1 ? 0 : stableHash(key) % count;
}

/**
 * Views of the whole level from one shard's views: the full limit, the shard's room scaled by the
 * shard count (an estimate; only the shard's own share is known without asking every shard).
 */
export function scaleViews(specs: LevelSpec[], views: LevelView[], count: number): LevelView[] {
  return views.map((view) => {
    const spec = specs.find((s) => s.key === view.key);
    const limit = spec?.limit ?? view.limit;
    return { ...view, limit, remaining: Math.min(limit, view.remaining * count) };
  });
}

/**
 * The level's answer when every shard asked refused: the answer of the shard that has room again
 * soonest (its longest wait is the shortest), with the whole level's limits.
 */
export function refusedEverywhere(specs: LevelSpec[], answers: Admission[]): Admission {
  const wait = (a: Admission) => a.views.reduce((t, v) => Math.max(t, v.retryAfterMs), 0);
  const soonest = answers.reduce((a, b) => (wait(b) < wait(a) ? b : a));
  const limitOf = (key: string, fallback: number) => specs.find((s) => s.key === key)?.limit ?? fallback;
  return { allowed: false, views: soonest.views.map((v) => ({ ...v, limit: limitOf(v.key, v.limit) })), reservation: null };
}

/** Sums shard views into one view of the level (exact at that moment; for GET /status). */
export function sumViews(specs: LevelSpec[], perShard: LevelView[][]): LevelView[] {
  return specs.map((spec): LevelView => {
    const mine = perShard.flatMap((views) => views.filter((v) => v.key === spec.key));
    const remaining = mine.reduce((n, v) => n + v.remaining, 0);
    const soonestReset = mine.reduce((t, v) => Math.min(t, v.resetAt), Infinity);
    const soonestRetry = mine.reduce((t, v) => Math.min(t, v.retryAfterMs), Infinity);
    return {
      level: spec.level,
      key: spec.key,
      limit: spec.limit,
      remaining,
      resetAt: Number.isFinite(soonestReset) ? soonestReset : 0,
      retryAfterMs: remaining >= 1 ? 0 : Number.isFinite(soonestRetry) ? soonestRetry : 0,
    };
  });
}
