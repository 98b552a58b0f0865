/** The Worker's calls to LimitCounter objects: one object, a sharded level (the global quota), or a keyed level (per IP, per source) on the key's shard. */
import type { Admission, LevelSpec, LevelView } from "./limiter";
import type { LimitCounter } from "./limit-counter";
import { refusedEverywhere, scaleViews, shardOfKey, splitLevel, sumViews } from "./shards";

type CounterNamespace = DurableObjectNamespace<LimitCounter>;

/** One level's answer, and how to take its admission back when another level refuses. */
export interface LevelCall {
  answer: Admission;
  /** Releases the admission (a no-op when nothing was admitted). */
  release(): Promise<void>;
}

const NOTHING: Promise<void> = Promise.resolve();

/** Asks one named counter object to admit at `specs` (under `scope` when it holds many keys). */
export async function admitAt(counters: CounterNamespace, name: string, specs: LevelSpec[], scope?: string): Promise<LevelCall> {
  const stub = counters.getByName(name);
  const answer = await stub.admit(specs, scope);
  const reservation = answer.reservation;
  return { answer, release: () => (reservation ? stub.release(specs, reservation, scope) : NOTHING) };
}

/**
 * Isolate-local memory of a sharded level found full everywhere: for a moment (the soonest shard's
 * wait, at most FULL_MEMORY_MS, since a release elsewhere can free room sooner) further requests are
 * refused here without asking.
 */
const fullUntil = new Map<string, { at: number; until: number; answer: Admission }>();
/** Longest a "full everywhere" answer is reused without asking the shards again. */
export const FULL_MEMORY_MS = 1000;

const wait = (answer: Admission) => answer.views.reduce((t, v) => Math.max(t, v.retryAfterMs), 0);

/**
 * Admits at a level split over `shards` objects named `<prefix>:<i>` (see `splitLevel`): one object
 * picked at random. Only if it refuses are the others read at once (without counting anything), and
 * the request is then admitted at the ones with room, most room first, one at a time. Never more than
 * the quota is admitted (each shard is exact for its share), and since the read reserves nothing, no
 * request is refused because of another request's probing: a request is refused only when every
 * shard was full when looked at.
 */
export async function admitSharded(counters: CounterNamespace, prefix: string, specs: LevelSpec[], shards: number, random = Math.random): Promise<LevelCall> {
  const plan = splitLevel(specs, shards);
  const memoKey = `${prefix}|${specs.map((s) => `${s.key}=${s.limit}/${s.burstCapacity}`).join(",")}|${plan.length}`;
  const now = Date.now();
  const known = fullUntil.get(memoKey);
  if (known && known.until > now) {
    const views = known.answer.views.map((v) => ({ ...v, retryAfterMs: Math.max(1, v.retryAfterMs - (now - known.at)) }));
    return { answer: { ...known.answer, views }, release: () => NOTHING };
  }
  const first = Math.floor(random() * plan.length) % plan.length;
  const nameOf = (i: number) => `${prefix}:${i}`;
  const ask = (i: number) => admitAt(counters, nameOf(i), plan[i]!.specs);
  const scaled = (call: LevelCall): LevelCall => ({ ...call, answer: { ...call.answer, views: scaleViews(specs, call.answer.views, plan.length) } });
  const firstCall = await ask(first);
  if (firstCall.answer.allowed) return scaled(firstCall);
  const others = plan.map((p) => p.index).filter((i) => i !== first);
  const looks = await Promise.all(others.map(async (i) => ({ index: i, views: await counters.getByName(nameOf(i)).peek(plan[i]!.specs) })));
  const room = (views: LevelView[]) => Math.min(...views.map((v) => v.remaining));
  const refusals: Admission[] = [firstCall.answer];
  for (const look of looks.filter((l) => room(l.views) >= 1).sort((a, b) => room(b.views) - room(a.views))) {
    const call = await ask(look.index);
    if (call.answer.allowed) return scaled(call);
    refusals.push(call.answer);
  }
  for (const look of looks) if (room(look.views) < 1) refusals.push({ allowed: false, views: look.views, reservation: null });
  const answer = refusedEverywhere(specs, refusals);
  fullUntil.set(memoKey, { at: now, until: now + Math.min(FULL_MEMORY_MS, wait(answer)), answer });
  return { answer, release: () => NOTHING };
}

/** Forgets every "full everywhere" memory of this isolate (tests). */
export function forgetFullShards(): void {
  fullUntil.clear();
}

/** The views of a sharded level, summed over every shard, admitting nothing (GET /status). */
export async function peekSharded(counters: CounterNamespace, prefix: string, specs: LevelSpec[], shards: number): Promise<LevelView[]> {
  const plan = splitLevel(specs, shards);
  const perShard = await Promise.all(plan.map((p) => counters.getByName(`${prefix}:${p.index}`).peek(p.specs)));
  return sumViews(specs, perShard);
}

/**
 * Admits at a keyed level (one quota per client IP, per source, …): the key's levels live in the
 * object `<prefix>:<hash(key) mod shards>` under the scope `<key>|`, so keys spread over the shards
 * and each key's count stays exact in one object.
 */
export function admitKeyed(counters: CounterNamespace, prefix: string, key: string, specs: LevelSpec[], shards: number): Promise<LevelCall> {
  return admitAt(counters, `${prefix}:${shardOfKey(key, shards)}`, specs, `${key}|`);
}

/** The views of a keyed level, admitting nothing. */
export function peekKeyed(counters: CounterNamespace, prefix: string, key: string, specs: LevelSpec[], shards: number): Promise<LevelView[]> {
  return counters.getByName(`${prefix}:${shardOfKey(key, shards)}`).peek(specs, `${key}|`);
}
