/** Retry policy (pure): classifying an attempt's outcome and the delay before the next attempt. */

/** How delays grow between attempts. */
export type RetryStrategy = "exponential" | "linear" | "fixed";

/** A subscription's retry policy. maxRetries counts attempts after the first. */
export interface RetryPolicy {
  strategy: RetryStrategy;
  maxRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Contract default: exponential from 1 s, ×2, with jitter, 5 attempts in all, capped delay. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { strategy: "exponential", maxRetries: 4, initialDelayMs: 1000, maxDelayMs: 3_600_000 };

/** Upper bound for any delay: the longest delay a queue message can carry (12 h). */
export const MAX_DELAY_MS = 43_200_000;
/** A `Retry-After` is honoured up to this long; longer values are cut to it. */
export const MAX_RETRY_AFTER_MS = 3_600_000;
/** Jitter adds up to this fraction of the delay (never subtracts, so delays keep growing). */
export const JITTER_FRACTION = 0.2;

/** What an attempt's result means for the delivery. */
export type AttemptVerdict = "success" | "retry" | "fail" | "gone";

/** The verdict for an HTTP status, or for no response at all (`null`: network error or timeout). */
export function classifyStatus(status: number | null): AttemptVerdict {
  if (status === null) return "retry";
  if (status >= 200 && status < 300) return "success";
  if (status === 410) return "gone";
  if (status === 408 || status === 425 || status === 429 || status >= 500) return "retry";
  return "fail";
}

/**
 * Milliseconds a `Retry-After` value asks for (delta seconds or an HTTP date), bounded to
 * [0, MAX_RETRY_AFTER_MS]; null when absent or unparseable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (!value) return null;
  const text = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000;
  else {
    if (!/[A-Za-z]/.test(text)) return null;
    const at = Date.parse(text);
    if (Number.isNaN(at)) return null;
    ms = at - nowMs;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.round(ms)));
}

/** Backoff before retry number `retry` (1 = the first retry), without jitter, capped at maxDelayMs. */
export function baseDelayMs(policy: RetryPolicy, retry: number): number {
  const n = Math.max(1, retry);
  let delay: number;
  if (policy.strategy === "fixed") delay = policy.initialDelayMs;
  else if (policy.strategy === "linear") delay = policy.initialDelayMs * n;
  else delay = policy.initialDelayMs * 2 ** (n - 1);
  return Math.min(delay, policy.maxDelayMs, MAX_DELAY_MS);
}

/** Options of nextRetry. */
export interface NextRetryOptions {
  /** Attempts made so far in this round (including the one that just failed). */
  attemptsMade: number;
  /** The bounded Retry-After of the failed attempt, if any. */
  retryAfterMs?: number | null;
  /** A number in [0, 1) for jitter; inject for tests. */
  random?: number;
}

/**
 * The delay before the next attempt, or null when the policy is exhausted. A Retry-After replaces
 * the backoff (honoured as asked, bounded); otherwise the backoff gets up to +20 % jitter.
 */
export function nextRetryDelayMs(policy: RetryPolicy, options: NextRetryOptions): number | null {
  if (options.attemptsMade > policy.maxRetries) return null;
  if (options.retryAfterMs !== undefined && options.retryAfterMs !== null) return Math.min(options.retryAfterMs, MAX_DELAY_MS);
  const base = baseDelayMs(policy, options.attemptsMade);
  const jitter = base * JITTER_FRACTION * (options.random ?? Math.random());
  return Math.min(Math.round(base + jitter), Math.max(policy.maxDelayMs, 0), MAX_DELAY_MS);
}

/** A delay in whole seconds for a queue message (`delaySeconds`), rounded to nearest, within queue limits. */
export function toDelaySeconds(delayMs: number): number {
  return Math.min(MAX_DELAY_MS / 1000, Math.max(0, Math.round(delayMs / 1000)));
}
