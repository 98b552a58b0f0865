/** Per-endpoint health (pure): circuit breaker over a failure-rate window and the delivery rate bucket (consecutive failures live in D1). */

/** Breaker thresholds, from config. */
export interface HealthSettings {
  /** Failure fraction in the window that opens the breaker (0..1). */
  failureRate: number;
  /** Attempts the window needs before the rate is judged. */
  minRequests: number;
  windowMs: number;
  /** How long the breaker stays open before one probe is let through. */
  cooldownMs: number;
}

export type BreakerState = "closed" | "open" | "half_open";

/** What the EndpointGuard stores for one subscription. */
export interface HealthState {
  breaker: BreakerState;
  openedAt: number;
  /** When the half-open probe was let through (0 = none in flight). */
  probeAt: number;
  windowStart: number;
  windowSuccesses: number;
  windowFailures: number;
  tokens: number;
  tokensAt: number;
}

/** A fresh state (closed breaker, full bucket). */
export function initialHealth(now: number): HealthState {
  return { breaker: "closed", openedAt: 0, probeAt: 0, windowStart: now, windowSuccesses: 0, windowFailures: 0, tokens: -1, tokensAt: now };
}

/** The answer to "may `count` deliveries go now?". */
export interface Admission {
  admitted: number;
  /** How long the rest should wait before asking again. */
  waitMs: number;
  breaker: BreakerState;
  /** True when only the rate held the rest back: they may come back one by one (see paceWaits). */
  paced?: boolean;
}

/**
 * The waits of `count` deliveries the rate held back when the last may go after `waitMs`: spread
 * evenly up to it, so they return one by one at the rate instead of all at once (a herd the bucket
 * would hold back again).
 */
export function paceWaits(waitMs: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.ceil((waitMs * (i + 1)) / count));
}

/** A probe stuck longer than this (its consumer died) lets another one through. */
export const PROBE_TIMEOUT_MS = 60_000;
/** Wait given to deliveries held back while a half-open probe is in flight. */
export const PROBE_WAIT_MS = 5_000;

function admitRate(state: HealthState, count: number, ratePerSecond: number | null, now: number): { admitted: number; waitMs: number } {
  if (!ratePerSecond || ratePerSecond <= 0) return { admitted: count, waitMs: 0 };
  const capacity = Math.max(1, ratePerSecond);
  const tokens = state.tokens < 0 ? capacity : Math.min(capacity, state.tokens + ((now - state.tokensAt) / 1000) * ratePerSecond);
  const admitted = Math.min(count, Math.floor(tokens));
  state.tokens = tokens - admitted;
  state.tokensAt = now;
  const missing = count - admitted;
  return { admitted, waitMs: missing > 0 ? Math.ceil(((missing - state.tokens) / ratePerSecond) * 1000) : 0 };
}

/** Decides how many of `count` deliveries may be attempted now; mutates `state`. */
export function admit(state: HealthState, count: number, ratePerSecond: number | null, now: number, settings: HealthSettings): Admission {
  if (state.breaker === "open") {
    const reopen = state.openedAt + settings.cooldownMs;
    if (now < reopen) return { admitted: 0, waitMs: reopen - now, breaker: "open" };
    state.breaker = "half_open";
    state.probeAt = 0;
  }
  if (state.breaker === "half_open") {
    if (state.probeAt && now - state.probeAt < PROBE_TIMEOUT_MS) return { admitted: 0, waitMs: PROBE_WAIT_MS, breaker: "half_open" };
    const rate = admitRate(state, Math.min(1, count), ratePerSecond, now);
    if (rate.admitted > 0) state.probeAt = now;
    return { admitted: rate.admitted, waitMs: count > rate.admitted ? Math.max(rate.waitMs, PROBE_WAIT_MS) : 0, breaker: "half_open" };
  }
  const rate = admitRate(state, count, ratePerSecond, now);
  return { ...rate, breaker: "closed", paced: true };
}

/** The state after attempts finished. */
export interface HealthReport {
  breaker: BreakerState;
}

/** Records attempt outcomes (true = success) in completion order; mutates `state`. */
export function record(state: HealthState, outcomes: readonly boolean[], now: number, settings: HealthSettings): HealthReport {
  if (now - state.windowStart >= settings.windowMs) {
    state.windowStart = now;
    state.windowSuccesses = 0;
    state.windowFailures = 0;
  }
  for (const success of outcomes) {
    if (success) state.windowSuccesses++;
    else state.windowFailures++;
  }
  const lastSuccess = outcomes.length > 0 && outcomes[outcomes.length - 1] === true;
  if (state.breaker === "half_open" && outcomes.length > 0) {
    state.probeAt = 0;
    if (lastSuccess) closeBreaker(state, now);
    else openBreaker(state, now);
  } else if (state.breaker === "closed") {
    const total = state.windowSuccesses + state.windowFailures;
    if (total >= settings.minRequests && state.windowFailures / total >= settings.failureRate) openBreaker(state, now);
  }
  return { breaker: state.breaker };
}

function openBreaker(state: HealthState, now: number): void {
  state.breaker = "open";
  state.openedAt = now;
}

function closeBreaker(state: HealthState, now: number): void {
  state.breaker = "closed";
  state.windowStart = now;
  state.windowSuccesses = 0;
  state.windowFailures = 0;
}

/** Closes the breaker (a subscription resumed by hand). */
export function resetHealth(state: HealthState, now: number): void {
  closeBreaker(state, now);
  state.probeAt = 0;
}
