// Limiter math with a fake clock: window edges, burst, refill, Retry-After, all-or-nothing, exact release.
import { describe, expect, it } from "vitest";
import {
  burstCapacity,
  decide,
  freshState,
  HOLD_MS,
  HOUR_MS,
  type LevelReservation,
  type LevelSpec,
  type LevelState,
  peek,
  release,
  settle,
} from "../../src/limits/limiter";

const T0 = Date.UTC(2026, 0, 1, 10, 0, 30); // 10:00:30
const MIN = 60_000;
const windowOnly = (limit: number): LevelSpec => ({ key: "hour", level: "token", limit, windowMs: HOUR_MS, burstCapacity: 0 });
const bucketed = (limit: number, capacity: number): LevelSpec => ({ key: "hour", level: "token", limit, windowMs: HOUR_MS, burstCapacity: capacity });

/** A one-level limiter driven by a fake clock. */
function limiter(spec: LevelSpec) {
  let state: LevelState | undefined;
  return {
    hit(now: number) {
      const { admission, states } = decide([spec], [state], now);
      state = states[0];
      return admission;
    },
    release(reservation: LevelReservation[], now: number) {
      state = release(spec, state!, reservation[0]!, now);
    },
    view(now: number) {
      return peek([spec], [state], now)[0]!;
    },
    state: () => state,
  };
}

describe("burst capacity", () => {
  it("is burst × the hourly limit's share of the period, at least 1", () => {
    expect(burstCapacity(1000, 1.5, MIN, HOUR_MS)).toBe(25);
    expect(burstCapacity(2000, 1.5, MIN, HOUR_MS)).toBe(50);
    expect(burstCapacity(10, 1.5, MIN, HOUR_MS)).toBe(1);
    expect(burstCapacity(20, 1.5, HOUR_MS, HOUR_MS)).toBe(30);
    expect(burstCapacity(100, 1, HOUR_MS, HOUR_MS)).toBe(100);
  });
});

describe("sliding window edges", () => {
  it("admits exactly the limit, then refuses until the first minute slot is 61 minutes old", () => {
    const l = limiter(windowOnly(3));
    for (let i = 0; i < 3; i++) expect(l.hit(T0 + i * MIN).allowed).toBe(true);
    const refused = l.hit(T0 + 3 * MIN);
    expect(refused.allowed).toBe(false);
    // The first request sits in the 10:00 slot, which stops counting at 11:01:00.
    const eleven01 = Date.UTC(2026, 0, 1, 11, 1, 0);
    expect(refused.views[0]!.retryAfterMs).toBe(eleven01 - (T0 + 3 * MIN));
    expect(refused.views[0]!.resetAt).toBe(eleven01);
    expect(l.hit(eleven01 - 1).allowed).toBe(false);
    expect(l.hit(eleven01).allowed).toBe(true);
    // The next one frees at 11:02:00 (the 10:01 slot).
    const again = l.hit(eleven01 + 1);
    expect(again.allowed).toBe(false);
    expect(again.views[0]!.retryAfterMs).toBe(MIN - 1);
  });

  it("never admits more than the limit within any rolling hour", () => {
    const l = limiter(windowOnly(5));
    const admitted: number[] = [];
    for (let t = T0; t < T0 + 5 * HOUR_MS; t += 7_919) if (l.hit(t).allowed) admitted.push(t);
    expect(admitted.length).toBeGreaterThan(15);
    for (const start of admitted) expect(admitted.filter((t) => t >= start && t < start + HOUR_MS).length).toBeLessThanOrEqual(5);
  });

  it("refused requests consume nothing", () => {
    const l = limiter(windowOnly(2));
    l.hit(T0);
    l.hit(T0);
    for (let i = 0; i < 10; i++) expect(l.hit(T0 + i).allowed).toBe(false);
    expect(l.state()!.slots).toEqual([[Math.floor(T0 / MIN), 2]]);
  });

  it("reports remaining and a reset at the next release", () => {
    const l = limiter(windowOnly(4));
    expect(l.view(T0)).toMatchObject({ remaining: 4, resetAt: T0, retryAfterMs: 0 });
    const a = l.hit(T0);
    expect(a.views[0]).toMatchObject({ remaining: 3, limit: 4, resetAt: Date.UTC(2026, 0, 1, 11, 1, 0), retryAfterMs: 0 });
  });
});

describe("token bucket", () => {
  // 3600/h refills one token per second.
  const spec = bucketed(3600, 3);

  it("admits a burst of its capacity, then one per refill interval", () => {
    const l = limiter(spec);
    for (let i = 0; i < 3; i++) expect(l.hit(T0).allowed).toBe(true);
    const refused = l.hit(T0);
    expect(refused.allowed).toBe(false);
    expect(refused.views[0]!.retryAfterMs).toBe(1000);
    expect(l.hit(T0 + 999).allowed).toBe(false);
    expect(l.hit(T0 + 1000).allowed).toBe(true);
    expect(l.hit(T0 + 1000).allowed).toBe(false);
  });

  it("refills up to capacity only", () => {
    const l = limiter(spec);
    l.hit(T0);
    expect(l.view(T0 + 10 * MIN).remaining).toBe(3);
    for (let i = 0; i < 3; i++) expect(l.hit(T0 + 10 * MIN).allowed).toBe(true);
    expect(l.hit(T0 + 10 * MIN).allowed).toBe(false);
  });

  it("keeps the hourly quota even when the bucket would allow more", () => {
    const l = limiter(bucketed(10, 100)); // capacity above the window: the window binds
    let admitted = 0;
    for (let i = 0; i < 30; i++) if (l.hit(T0 + i).allowed) admitted++;
    expect(admitted).toBe(10);
  });

  it("remaining is what can be sent now; reset is when it next grows", () => {
    const l = limiter(spec);
    const a = l.hit(T0);
    expect(a.views[0]).toMatchObject({ remaining: 2, resetAt: T0 + 1000 });
    l.hit(T0);
    const c = l.hit(T0 + 250);
    expect(c.views[0]).toMatchObject({ remaining: 0, resetAt: T0 + 1000, retryAfterMs: 750 });
  });

  it("a Retry-After wait is always enough, for any limit", () => {
    for (const limit of [7, 60, 999, 3600, 10_000, 123_457]) {
      const s = bucketed(limit, 2);
      const l = limiter(s);
      let t = T0;
      while (l.hit(t).allowed) t += 1;
      const wait = l.view(t).retryAfterMs;
      expect(wait).toBeGreaterThan(0);
      expect(l.hit(t + wait - 1).allowed).toBe(false);
      expect(l.hit(t + wait).allowed).toBe(true);
    }
  });
});

describe("one object with two levels (global hour + day)", () => {
  const hour: LevelSpec = { key: "hour", level: "global", limit: 100, windowMs: HOUR_MS, burstCapacity: 150 };
  const day: LevelSpec = { key: "day", level: "global", limit: 2, windowMs: 24 * HOUR_MS, burstCapacity: 0 };

  it("admits at both or at neither", () => {
    let states: (LevelState | undefined)[] = [undefined, undefined];
    for (let i = 0; i < 2; i++) states = decide([hour, day], states, T0).states;
    const refused = decide([hour, day], states, T0);
    expect(refused.admission.allowed).toBe(false);
    expect(refused.admission.reservation).toBeNull();
    expect(peek([hour], [refused.states[0]], T0)[0]!.remaining).toBe(98);
    // The day window slot is 24 minutes: released 24 h 24 min after its slot began at 10:00.
    expect(refused.admission.views[1]!.retryAfterMs).toBe(Date.UTC(2026, 0, 2, 10, 24) - T0);
  });
});

describe("release", () => {
  it("restores the window and the bucket exactly", () => {
    const l = limiter(bucketed(3600, 3));
    l.hit(T0);
    const a = l.hit(T0 + 1500);
    l.release(a.reservation!, T0 + 1600);
    expect(l.view(T0 + 1600)).toEqual(peekAfter([T0], T0 + 1600));
    expect(l.state()!.slots).toEqual([[Math.floor(T0 / MIN), 1]]);
  });

  it("is exact for a request held next to older, already clipped holds", () => {
    // The first hold's gap shrinks as the bucket refills towards capacity; the second's must not.
    const l = limiter(bucketed(3600, 3));
    l.hit(T0);
    const a = l.hit(T0 + 10);
    l.release(a.reservation!, T0 + 20);
    expect(l.view(T0 + 20)).toEqual(peekAfter([T0], T0 + 20));
  });

  it("keeps holds compact: runs with equal gaps merge", () => {
    const l = limiter(bucketed(100_000, 2500));
    for (let i = 0; i < 2000; i++) l.hit(T0 + i * 3);
    expect(l.state()!.holds.length).toBeLessThan(5);
    expect(l.state()!.holds.reduce((n, h) => n + h[2], 0)).toBe(2000);
  });

  it("never gives back more than the bucket's capacity would have kept (refill hit the cap meanwhile)", () => {
    // Capacity 1, one token a second: A takes the token; by the time B comes it has refilled
    // (without A it would have been full all along); B takes it; A's release must not refill B's token.
    const spec = bucketed(3600, 1);
    const l = limiter(spec);
    const a = l.hit(T0);
    expect(l.hit(T0 + 1500).allowed).toBe(true);
    l.release(a.reservation!, T0 + 1600);
    expect(l.hit(T0 + 1600).allowed).toBe(false);
    const never = limiter(spec);
    expect(never.hit(T0 + 1500).allowed).toBe(true);
    expect(l.view(T0 + 1600).retryAfterMs).toBe(never.view(T0 + 1600).retryAfterMs);
  });

  it("matches a limiter that never saw the released request, over random traffic", () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    let compared = 0;
    for (let run = 0; run < 200; run++) {
      const spec = bucketed(1 + Math.floor(rand() * 20_000), 1 + Math.floor(rand() * 6));
      const withRelease = limiter(spec);
      const never = limiter(spec);
      let t = T0 + Math.floor(rand() * 1000);
      let reservation: LevelReservation[] | null = null;
      let releaseAt = 0;
      let diverged = false;
      for (let step = 0; step < 40; step++) {
        t += Math.floor(rand() * 400);
        if (step === 5) {
          const x = withRelease.hit(t);
          if (!x.allowed) break;
          reservation = x.reservation;
          releaseAt = t + Math.floor(rand() * 3000);
          continue;
        }
        if (reservation && t >= releaseAt) {
          withRelease.release(reservation, t);
          reservation = null;
        }
        const ours = withRelease.hit(t).allowed;
        const theirs = never.hit(t).allowed;
        // While X is held it counts, so we may refuse where they admit (then the runs part ways);
        // otherwise we never admit more, and once X is released we agree exactly.
        if (reservation && ours !== theirs) diverged = true;
        if (ours && !theirs && !diverged) throw new Error("admitted more than a limiter without the request");
        if (!reservation && releaseAt && !diverged) {
          expect(ours).toBe(theirs);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it("a late release (hold committed) does not refund the bucket", () => {
    const spec = bucketed(36, 1); // one token per 100 s
    const l = limiter(spec);
    const a = l.hit(T0);
    const late = T0 + HOLD_MS + 2000;
    l.release(a.reservation!, late);
    expect(l.view(late).remaining).toBe(0);
    expect(l.state()!.slots).toEqual([]);
  });

  it("settling is the same whether done once or in steps", () => {
    const spec = bucketed(5000, 10);
    const l = limiter(spec);
    for (let i = 0; i < 8; i++) l.hit(T0 + i * 13);
    const s = l.state()!;
    expect(settle(spec, settle(spec, s, T0 + 900), T0 + 5000)).toEqual(settle(spec, s, T0 + 5000));
    expect(freshState(spec, T0).units).toBe(10 * HOUR_MS);
  });
});

/** Views of a fresh 3600/h cap-3 limiter that admitted at `hits`, read at `now`. */
function peekAfter(hits: number[], now: number) {
  const l = limiter(bucketed(3600, 3));
  for (const t of hits) l.hit(t);
  return l.view(now);
}
