/** Limiter math (pure): sliding-window quotas kept in 60 slots, plus a token bucket that shapes bursts, with exact holds. */

/** Slots per window. A request counts for between one window and one window plus one slot. */
export const WINDOW_SLOTS = 60;
export { DAY_MS, HOUR_MS } from "../lib/time";
/**
 * How long a held bucket token waits for a release before it commits by itself. Releases are sent
 * right after the parallel round trip, so only a Worker that dies mid-request lets a hold commit.
 */
export const HOLD_MS = 10_000;

/** Which level a quota belongs to: the request's four (token, tenant, endpoint, global), or the keyed abuse levels (client IP, inbound source). */
export type LevelName = "token" | "tenant" | "endpoint" | "global" | "ip" | "source" | "inspector";

/** One quota enforced by one object; every number comes from configuration. */
export interface LevelSpec {
  /** Where the level's state lives inside its object (`hour`, `day`). */
  key: string;
  /** What the client is told was binding. */
  level: LevelName;
  /** Requests per window; at least 1 (a configured 0 switches the level off before it gets here). */
  limit: number;
  /** Window length; a multiple of WINDOW_SLOTS milliseconds. */
  windowMs: number;
  /** Token-bucket capacity in requests; 0 = no bucket for this quota. */
  burstCapacity: number;
}

/**
 * A level's stored state. `slots` are `[slot index, admitted]` pairs, oldest first. The bucket is
 * kept in units of 1/windowMs request so its refill (`limit` units per ms) is integer arithmetic.
 * The bucket already counts every reserved request as consumed; `holds` are the reservations that
 * may still be released, as `[first ms, last ms, count, gap]` runs, oldest first, where `gap` is the
 * units a release gives back (see `release`). Older holds never have a larger gap than newer ones, so
 * runs with equal gaps merge and the list stays short.
 */
export interface LevelState {
  slots: [number, number][];
  units: number;
  holds: Hold[];
  at: number;
}

/** `[first ms, last ms, count, gap]`: reservations made in that time range, all with the same gap. */
export type Hold = [number, number, number, number];

/** What a client may know about one level at one moment. */
export interface LevelView {
  level: LevelName;
  key: string;
  limit: number;
  /** Requests that would be admitted right now, back to back. */
  remaining: number;
  /** Epoch ms at which `remaining` next grows (now when it cannot grow). */
  resetAt: number;
  /** Milliseconds until one request would be admitted (0 when one would be now). */
  retryAfterMs: number;
}

/** Where one admission was counted, so that a release can take exactly that back. */
export interface LevelReservation {
  key: string;
  slot: number;
  /** When the bucket token was taken (finds its hold), or null when the level has no bucket. */
  hold: number | null;
}

/** The result of asking one object to admit one request at all of its levels. */
export interface Admission {
  allowed: boolean;
  /** Views after the admission (after counting it when allowed). */
  views: LevelView[];
  /** Present when allowed: what to release if another object refuses the request. */
  reservation: LevelReservation[] | null;
}

/** The token-bucket capacity for a quota: `burst` times the quota's share of `periodMs`, at least 1. */
export function burstCapacity(limit: number, burst: number, periodMs: number, windowMs: number): number {
  return Math.max(1, Math.floor((burst * limit * periodMs) / windowMs + 1e-9));
}

const slotMs = (spec: LevelSpec) => spec.windowMs / WINDOW_SLOTS;
const slotOf = (spec: LevelSpec, t: number) => Math.floor(t / slotMs(spec));
const capUnits = (spec: LevelSpec) => spec.burstCapacity * spec.windowMs;
const sum = (pairs: [number, number][]) => pairs.reduce((n, [, c]) => n + c, 0);

/** A level nobody has used: empty window, full bucket. */
export function freshState(spec: LevelSpec, now: number): LevelState {
  return { slots: [], units: capUnits(spec), holds: [], at: now };
}

/**
 * Without a held request the bucket would be fuller by the hold's gap — but never above capacity,
 * so every gap shrinks to the room left (`cap - units`); runs whose gaps become equal merge.
 */
function clipGaps(holds: Hold[], room: number): Hold[] {
  const out: Hold[] = [];
  for (const [from, to, count, gap] of holds) {
    const clipped = Math.min(gap, room);
    const last = out[out.length - 1];
    if (last && last[3] === clipped) out[out.length - 1] = [last[0], to, last[2] + count, clipped];
    else out.push([from, to, count, clipped]);
  }
  return out;
}

/**
 * Brings a state up to `now`: slots that left the window are dropped, the bucket refills, and
 * holds whose newest request is older than HOLD_MS commit (they are already counted, so they
 * simply stop being releasable).
 */
export function settle(spec: LevelSpec, state: LevelState, now: number): LevelState {
  const oldest = slotOf(spec, now) - WINDOW_SLOTS;
  const slots = state.slots.filter(([s]) => s >= oldest);
  const at = Math.max(now, state.at);
  if (!spec.burstCapacity) return { slots, units: 0, holds: [], at };
  const cap = capUnits(spec);
  const units = Math.min(cap, state.units + spec.limit * (at - state.at));
  const live = state.holds.filter(([, to]) => to + HOLD_MS > now);
  return { slots, units, holds: clipGaps(live, cap - units), at };
}

/** Earliest time at or after `now` when `k` more requests fit the window (Infinity if never). */
function windowReadyAt(spec: LevelSpec, state: LevelState, now: number, k: number): number {
  if (k > spec.limit) return Infinity;
  const excess = sum(state.slots) - (spec.limit - k);
  if (excess <= 0) return now;
  let freed = 0;
  for (const [slot, count] of state.slots) {
    freed += count;
    if (freed >= excess) return (slot + WINDOW_SLOTS + 1) * slotMs(spec);
  }
  return Infinity;
}

/** Earliest time at or after `now` when the bucket holds `k` tokens (Infinity if never). */
function bucketReadyAt(spec: LevelSpec, state: LevelState, now: number, k: number): number {
  if (!spec.burstCapacity) return now;
  if (k > spec.burstCapacity) return Infinity;
  const missing = k * spec.windowMs - state.units;
  return missing <= 0 ? now : now + Math.ceil(missing / spec.limit);
}

const readyAt = (spec: LevelSpec, state: LevelState, now: number, k: number) =>
  Math.max(windowReadyAt(spec, state, now, k), bucketReadyAt(spec, state, now, k));

/** What a client may know about a settled level at `now`. */
export function viewOf(spec: LevelSpec, state: LevelState, now: number): LevelView {
  const windowLeft = Math.max(0, spec.limit - sum(state.slots));
  const bucketLeft = spec.burstCapacity ? Math.max(0, Math.floor(state.units / spec.windowMs)) : Infinity;
  const remaining = Math.min(windowLeft, bucketLeft);
  const most = spec.burstCapacity ? Math.min(spec.limit, spec.burstCapacity) : spec.limit;
  const resetAt = remaining >= most ? now : readyAt(spec, state, now, remaining + 1);
  const retryAfterMs = remaining >= 1 ? 0 : readyAt(spec, state, now, 1) - now;
  return { level: spec.level, key: spec.key, limit: spec.limit, remaining, resetAt, retryAfterMs };
}

function addPair(pairs: [number, number][], key: number, delta: number): [number, number][] {
  const out = pairs.map(([k, n]): [number, number] => (k === key ? [k, n + delta] : [k, n])).filter(([, n]) => n > 0);
  if (delta > 0 && !pairs.some(([k]) => k === key)) out.push([key, delta]);
  return out.sort((a, b) => a[0] - b[0]);
}

/** The outcome of `decide`: the admission and the states to store. */
export interface Decision {
  admission: Admission;
  states: LevelState[];
}

/**
 * Admits one request at every level of one object, or at none: all levels must have room, and then
 * each counts it (window slot + bucket token, the token held for a possible release).
 * A refused request changes nothing but the settling.
 */
export function decide(specs: LevelSpec[], states: (LevelState | undefined)[], now: number): Decision {
  const settled = specs.map((spec, i) => settle(spec, states[i] ?? freshState(spec, now), now));
  const before = specs.map((spec, i) => viewOf(spec, settled[i]!, now));
  if (!before.every((v) => v.remaining >= 1)) return { admission: { allowed: false, views: before, reservation: null }, states: settled };
  const reservation: LevelReservation[] = [];
  const counted = specs.map((spec, i): LevelState => {
    const state = settled[i]!;
    const slot = slotOf(spec, now);
    if (!spec.burstCapacity) {
      reservation.push({ key: spec.key, slot, hold: null });
      return { ...state, slots: addPair(state.slots, slot, 1) };
    }
    reservation.push({ key: spec.key, slot, hold: now });
    // A new hold can give back its whole token: the bucket had at least that much room before it.
    const holds = clipGaps([...state.holds, [now, now, 1, spec.windowMs]], Infinity);
    return { slots: addPair(state.slots, slot, 1), units: state.units - spec.windowMs, holds, at: state.at };
  });
  const views = specs.map((spec, i) => viewOf(spec, counted[i]!, now));
  return { admission: { allowed: true, views, reservation }, states: counted };
}

/**
 * Takes one reservation back as if the request had never been seen: its window slot is decremented
 * and the bucket gets back the request's token less whatever the capacity would have cut off since
 * (that is the hold's gap). A hold that already committed is left alone.
 */
export function release(spec: LevelSpec, state: LevelState, reservation: LevelReservation, now: number): LevelState {
  const settled = settle(spec, state, now);
  const slots = settled.slots.some(([s]) => s === reservation.slot) ? addPair(settled.slots, reservation.slot, -1) : settled.slots;
  const t = reservation.hold;
  const index = t === null ? -1 : settled.holds.findIndex(([from, to]) => from <= t && t <= to);
  if (index < 0) return { ...settled, slots };
  const [from, to, count, gap] = settled.holds[index]!;
  const holds = settled.holds.slice();
  if (count > 1) holds[index] = [from, to, count - 1, gap];
  else holds.splice(index, 1);
  const units = settled.units + gap;
  return { slots, units, holds: clipGaps(holds, capUnits(spec) - units), at: settled.at };
}

/** Views of each level without admitting anything (for status and replays). */
export function peek(specs: LevelSpec[], states: (LevelState | undefined)[], now: number): LevelView[] {
  return specs.map((spec, i) => viewOf(spec, settle(spec, states[i] ?? freshState(spec, now), now), now));
}
