// The adaptive delivery rate (AIMD) on a fake clock: 429/503 and slow answers cut it, successes
// raise it back to the configured rate, Retry-After pauses, one cut per burst, and a simulated
// endpoint that refuses above N per second settles the rate near N.
import { describe, expect, it } from "vitest";
import { adapt, ADAPTIVE_SETTINGS, breakerOutcomes, effectiveRate, initialAdaptive, isSlow, median, pauseMs, type AttemptSignal } from "../../src/delivery/core/adaptive-rate";

const ok = (finishedAt: number, durationMs = 20): AttemptSignal => ({ success: true, statusCode: 200, durationMs, retryAfterMs: null, finishedAt });
const refused = (finishedAt: number, statusCode = 429, retryAfterMs: number | null = null): AttemptSignal => ({ success: false, statusCode, durationMs: 5, retryAfterMs, finishedAt });

describe("adaptive rate: decrease", () => {
  it("cuts a configured rate multiplicatively on 429 and on 503", () => {
    for (const status of [429, 503]) {
      const state = initialAdaptive();
      const report = adapt(state, [refused(1_000, status)], 10, 1_000);
      expect(report).toEqual({ rate: 7, throttled: true, decreased: true });
      expect(effectiveRate(state, 10)).toBe(7);
    }
  });

  it("does not treat other failures (500, 404, timeouts) as a request to slow down", () => {
    const state = initialAdaptive();
    const signals: AttemptSignal[] = [{ ...refused(1_000), statusCode: 500 }, { ...refused(1_000), statusCode: 404 }, { ...refused(1_000), statusCode: null }];
    expect(adapt(state, signals, 10, 1_000)).toEqual({ rate: 10, throttled: false, decreased: false });
  });

  it("cuts once per cooldown however many 429s one burst brings", () => {
    const state = initialAdaptive();
    adapt(state, [refused(1_000), refused(1_000), refused(1_000)], 10, 1_000);
    adapt(state, [refused(1_500)], 10, 1_500);
    expect(state.rate).toBe(7);
    adapt(state, [refused(2_000)], 10, 2_000);
    expect(state.rate).toBeCloseTo(4.9);
  });

  it("never goes below the floor", () => {
    const state = initialAdaptive();
    for (let t = 1_000; t < 60_000; t += 1_000) adapt(state, [refused(t)], 10, t);
    expect(state.rate).toBe(ADAPTIVE_SETTINGS.minRate);
  });

  it("without a configured rate starts from the observed attempt rate and returns to unlimited at it", () => {
    const state = initialAdaptive();
    // 40 attempts in the 2 s window: 20 per second observed.
    adapt(state, Array.from({ length: 39 }, (_, i) => ok(1_000 + i * 50)), null, 2_950);
    expect(state.rate).toBeNull();
    const report = adapt(state, [refused(2_990)], null, 3_000);
    // 39 attempts finished in the 2 s window before now: 19.5 per second.
    expect(state.ceiling).toBeCloseTo(19.5);
    expect(report.rate).toBeCloseTo(0.7 * 19.5);
    let t = 3_000;
    while (state.rate !== null && t < 120_000) {
      t += 100;
      adapt(state, [ok(t)], null, t);
    }
    expect(state.rate).toBeNull();
    expect(effectiveRate(state, null)).toBeNull();
  });

  it("pauses every admission for a Retry-After (bounded)", () => {
    const state = initialAdaptive();
    adapt(state, [refused(1_000, 429, 3_000)], 10, 1_000);
    expect(pauseMs(state, 1_000)).toBe(3_000);
    expect(pauseMs(state, 4_000)).toBe(0);
    adapt(state, [refused(10_000, 503, 3_600_000)], 10, 10_000);
    expect(pauseMs(state, 10_000)).toBe(ADAPTIVE_SETTINGS.maxPauseMs);
  });
});

describe("adaptive rate and the circuit breaker", () => {
  it("leaves 429s to the adaptive rate; 503s and other failures still count for the breaker", () => {
    expect(breakerOutcomes([ok(1), refused(2, 429), refused(3, 503), { ...refused(4), statusCode: 500 }])).toEqual([true, false, false]);
  });
});

describe("adaptive rate: latency", () => {
  it("knows the median and ignores latency until it has enough samples", () => {
    expect(median([])).toBe(0);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(isSlow(10_000, [20, 20], ADAPTIVE_SETTINGS)).toBe(false);
  });

  it("cuts the rate when an answer is far slower than the endpoint's own p50", () => {
    const state = initialAdaptive();
    adapt(state, Array.from({ length: 20 }, (_, i) => ok(1_000 + i, 100)), 10, 1_100);
    expect(state.rate).toBeNull();
    // 300 ms is 3× the p50: not slow enough; 500 ms is 5×.
    expect(adapt(state, [ok(2_000, 300)], 10, 2_000).decreased).toBe(false);
    expect(adapt(state, [ok(3_000, 500)], 10, 3_000)).toMatchObject({ rate: 7, throttled: true, decreased: true });
  });

  it("does not call fast endpoints slow for a few milliseconds of noise (the floor)", () => {
    const state = initialAdaptive();
    adapt(state, Array.from({ length: 20 }, (_, i) => ok(1_000 + i, 2)), 10, 1_100);
    expect(adapt(state, [ok(2_000, 60)], 10, 2_000).decreased).toBe(false);
  });
});

describe("adaptive rate: increase", () => {
  it("adds about additiveIncrease per second of successes and stops throttling at the configured rate", () => {
    const state = initialAdaptive();
    adapt(state, [refused(0)], 10, 0);
    expect(state.rate).toBe(7);
    // One second of successes at the current rate: +1 per second.
    let t = 0;
    for (let i = 0; i < 7; i++) adapt(state, [ok((t += 140))], 10, t);
    expect(state.rate!).toBeGreaterThan(7.9);
    expect(state.rate!).toBeLessThan(8.1);
    while (state.rate !== null) adapt(state, [ok((t += 100))], 10, t);
    expect(effectiveRate(state, 10)).toBe(10);
  });

  it("never exceeds the configured rate", () => {
    const state = initialAdaptive();
    adapt(state, [refused(0)], 2, 0);
    for (let t = 100; t < 30_000; t += 100) {
      const report = adapt(state, [ok(t)], 2, t);
      expect(report.rate!).toBeLessThanOrEqual(2);
    }
  });
});

describe("adaptive rate: against an endpoint that refuses above N per second", () => {
  it("settles near N with a fake clock", () => {
    const N = 10;
    const state = initialAdaptive();
    const accepted: number[] = [];
    let tokens = 0;
    let last = 0;
    // Admit at the current rate (a token bucket as the guard uses), answer 429 when the
    // endpoint already accepted N in the last second.
    for (let t = 0; t < 60_000; t += 10) {
      const rate = effectiveRate(state, 50)!;
      tokens = Math.min(Math.max(1, rate), tokens + ((t - last) / 1000) * rate);
      last = t;
      if (tokens < 1 || pauseMs(state, t) > 0) continue;
      tokens -= 1;
      const inWindow = accepted.filter((a) => a > t - 1000).length;
      if (inWindow >= N) adapt(state, [refused(t)], 50, t);
      else {
        accepted.push(t);
        adapt(state, [ok(t)], 50, t);
      }
    }
    const lastHalf = accepted.filter((a) => a >= 30_000).length / 30;
    expect(lastHalf).toBeGreaterThan(0.6 * N);
    expect(lastHalf).toBeLessThanOrEqual(N);
    expect(effectiveRate(state, 50)!).toBeLessThan(2 * N);
  });
});
