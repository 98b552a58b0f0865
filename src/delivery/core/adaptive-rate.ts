/**
 * Adaptive delivery rate (pure, AIMD): a 429 or 503, or latency far above the endpoint's own p50,
 * cuts the rate (multiplicative decrease); successes raise it (additive increase) until it is back
 * at the configured rate (or, with none, where throttling began), when the endpoint is no longer throttled.
 */

/** Tuning of the policy. */
export interface AdaptiveSettings {
  /** Factor a congestion signal multiplies the rate by (0..1). */
  decreaseFactor: number;
  /** Deliveries per second the rate gains per second of successes at the current rate. */
  additiveIncrease: number;
  /** The rate never drops below this (deliveries per second). */
  minRate: number;
  /** At most one decrease per this long: the answers to one burst count as one signal. */
  decreaseCooldownMs: number;
  /** A success slower than latencyFactor × p50 (and than latencyFloorMs) is a congestion signal. */
  latencyFactor: number;
  latencyFloorMs: number;
  /** Successful durations kept to estimate the p50, and how many are needed before latency counts. */
  latencySamples: number;
  minLatencySamples: number;
  /** The longest pause a Retry-After imposes on the whole endpoint. */
  maxPauseMs: number;
  /** Window over which the attempt rate is observed (for an endpoint without a configured rate). */
  observeWindowMs: number;
}

/** The defaults (see docs/decisions.md). */
export const ADAPTIVE_SETTINGS: AdaptiveSettings = {
  decreaseFactor: 0.7,
  additiveIncrease: 1,
  minRate: 0.2,
  decreaseCooldownMs: 1_000,
  latencyFactor: 4,
  latencyFloorMs: 250,
  latencySamples: 32,
  minLatencySamples: 10,
  maxPauseMs: 60_000,
  observeWindowMs: 2_000,
};

/** The adaptive state of one endpoint (kept by its EndpointGuard). */
export interface AdaptiveState {
  /** The throttled rate in deliveries per second, or null when not throttled (the configured rate applies). */
  rate: number | null;
  /** Where throttling began, for an endpoint without a configured rate: the rate it returns to. */
  ceiling: number | null;
  /** When the rate was last cut (epoch ms; 0 = never). */
  decreasedAt: number;
  /** Nothing is admitted before this (a Retry-After), epoch ms. */
  pausedUntil: number;
  /** Recent successful attempt durations (ms), oldest first. */
  durations: number[];
  /** Finish times of recent attempts (epoch ms), oldest first. */
  recent: number[];
}

/** One finished attempt as the policy sees it. */
export interface AttemptSignal {
  success: boolean;
  statusCode: number | null;
  durationMs: number;
  retryAfterMs: number | null;
  finishedAt: number;
}

/** A fresh state: not throttled. */
export function initialAdaptive(): AdaptiveState {
  return { rate: null, ceiling: null, decreasedAt: 0, pausedUntil: 0, durations: [], recent: [] };
}

/** The median of a list (0 when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** True when the endpoint asked to slow down (429 Too Many Requests, 503 Service Unavailable). */
export function isThrottleStatus(statusCode: number | null): boolean {
  return statusCode === 429 || statusCode === 503;
}

/** True when a success took far longer than the endpoint's own p50 (enough samples needed). */
export function isSlow(durationMs: number, durations: readonly number[], settings: AdaptiveSettings): boolean {
  if (durations.length < settings.minLatencySamples) return false;
  return durationMs > Math.max(settings.latencyFactor * median(durations), settings.latencyFloorMs);
}

/**
 * The outcomes the circuit breaker judges (true = success): every attempt but 429s, which ask
 * for a slower rate (this policy's job), not a pause of the endpoint. A 503 counts for both.
 */
export function breakerOutcomes(signals: readonly AttemptSignal[]): boolean[] {
  return signals.filter((s) => s.statusCode !== 429).map((s) => s.success);
}

/** The rate the endpoint is held to now: the throttled one, else the configured one (null = unlimited). */
export function effectiveRate(state: AdaptiveState, configured: number | null): number | null {
  if (state.rate === null) return configured;
  return configured === null ? state.rate : Math.min(state.rate, configured);
}

/** How long nothing may be admitted (a Retry-After pause), 0 when admissions may go. */
export function pauseMs(state: AdaptiveState, now: number): number {
  return Math.max(0, state.pausedUntil - now);
}

function observedRate(state: AdaptiveState, now: number, settings: AdaptiveSettings): number {
  const since = now - settings.observeWindowMs;
  return state.recent.filter((t) => t > since).length / (settings.observeWindowMs / 1000);
}

/** What adapt decided. */
export interface AdaptiveReport {
  /** The rate now (deliveries per second; null = not throttled). */
  rate: number | null;
  throttled: boolean;
  /** True when this batch cut the rate. */
  decreased: boolean;
}

/**
 * Folds a batch of finished attempts (completion order) into the state; mutates it. A congestion
 * signal cuts the rate by decreaseFactor (once per cooldown); each success without one adds
 * additiveIncrease / rate, so a full second of successes adds additiveIncrease. Reaching the
 * configured rate (or the ceiling) ends throttling.
 */
export function adapt(state: AdaptiveState, signals: readonly AttemptSignal[], configured: number | null, now: number, settings: AdaptiveSettings = ADAPTIVE_SETTINGS): AdaptiveReport {
  const since = now - settings.observeWindowMs;
  state.recent = [...state.recent.filter((t) => t > since), ...signals.map((s) => s.finishedAt)].slice(-1000);
  let congested = false;
  let successes = 0;
  for (const signal of signals) {
    const slow = signal.success && isSlow(signal.durationMs, state.durations, settings);
    if (isThrottleStatus(signal.statusCode) || slow) {
      congested = true;
      if (isThrottleStatus(signal.statusCode) && signal.retryAfterMs) state.pausedUntil = Math.max(state.pausedUntil, signal.finishedAt + Math.min(signal.retryAfterMs, settings.maxPauseMs));
    } else if (signal.success) successes++;
    if (signal.success) state.durations = [...state.durations, signal.durationMs].slice(-settings.latencySamples);
  }
  let decreased = false;
  if (congested && (state.decreasedAt === 0 || now - state.decreasedAt >= settings.decreaseCooldownMs)) {
    const current = effectiveRate(state, configured);
    const base = current ?? Math.max(settings.minRate, observedRate(state, now, settings));
    if (configured === null && state.rate === null) state.ceiling = base;
    state.rate = Math.max(settings.minRate, base * settings.decreaseFactor);
    state.decreasedAt = now;
    decreased = true;
  } else if (!congested && state.rate !== null && successes > 0) {
    state.rate += (settings.additiveIncrease * successes) / Math.max(state.rate, 1);
    const limit = configured ?? state.ceiling;
    if (limit === null || state.rate >= limit) {
      state.rate = null;
      state.ceiling = null;
    }
  }
  return { rate: effectiveRate(state, configured), throttled: state.rate !== null, decreased };
}
