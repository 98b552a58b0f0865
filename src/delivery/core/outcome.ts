/** The delivery decision (pure): a claimed attempt's result → delivery status, retry time, settlement, and the health change. */
import { nextRetryDelayMs, toDelaySeconds, type AttemptVerdict, type RetryPolicy } from "./retry-policy";

/** What a destination reports for one attempt. statusCode is null when there was no response. */
export interface AttemptResult {
  statusCode: number | null;
  durationMs: number;
  responseBody: string | null;
  error: string | null;
  verdict: AttemptVerdict;
  /** Bounded Retry-After of the response, if it had one. */
  retryAfterMs: number | null;
  finishedAt: number;
}

/** The claimed row's counters the decision needs. */
export interface ClaimedAttempt {
  deliveryId: string;
  subscriptionId: string;
  /** The attempt number (the row's attempts after the claim). */
  attempt: number;
  /** attempts when the current round (a manual retry starts one) began. */
  roundStart: number;
}

/** One finished attempt and the delivery state it leads to. */
export interface Outcome {
  deliveryId: string;
  subscriptionId: string;
  attempt: number;
  statusCode: number | null;
  durationMs: number;
  responseBody: string | null;
  error: string | null;
  /** The attempt's verdict, or `exhausted` for a retryable failure with no retry left (the delivery's end). */
  verdict: AttemptVerdict | "exhausted";
  finishedAt: number;
  status: "success" | "retrying" | "failed";
  nextAt: number | null;
  /** The batch the attempt carried the delivery in (batch mode). */
  batchId?: string;
}

/** How a queue message is settled: ack, or ack plus a delayed re-send at the next generation. */
export type Settlement = { action: "ack" } | { action: "retry" | "defer"; delaySeconds: number };

/** The decision for one attempt: the outcome to record and how to settle its message. */
export interface Decision {
  outcome: Outcome;
  settlement: Settlement;
}

/** Decides a claimed attempt's outcome from its result and the subscription's retry policy. */
export function decide(claim: ClaimedAttempt, result: AttemptResult, policy: RetryPolicy): Decision {
  let status: Outcome["status"] = result.verdict === "success" ? "success" : "failed";
  let nextAt: number | null = null;
  let verdict: Outcome["verdict"] = result.verdict;
  if (result.verdict === "retry") {
    const delay = nextRetryDelayMs(policy, { attemptsMade: claim.attempt - claim.roundStart, retryAfterMs: result.retryAfterMs });
    if (delay !== null) {
      status = "retrying";
      nextAt = result.finishedAt + delay;
    } else verdict = "exhausted";
  }
  const { retryAfterMs: _ignored, ...rest } = result;
  const outcome: Outcome = { ...rest, verdict, deliveryId: claim.deliveryId, subscriptionId: claim.subscriptionId, attempt: claim.attempt, status, nextAt };
  const settlement: Settlement = nextAt === null ? { action: "ack" } : { action: "retry", delaySeconds: toDelaySeconds(nextAt - result.finishedAt) };
  return { outcome, settlement };
}

/** The settlement of a message the endpoint guard held back for `waitMs`. */
export function deferral(waitMs: number): Settlement {
  return { action: "defer", delaySeconds: Math.max(1, toDelaySeconds(waitMs)) };
}

/** A subscription's health change from one batch of outcomes (completion order), for the D1 update. */
export interface HealthChange {
  /** True when a success came: the count restarts from `trailingFailures`. */
  reset: boolean;
  /** Failures after the last success (or all of them when none succeeded). */
  trailingFailures: number;
  /** The endpoint answered 410 Gone: disable now, whatever the count. */
  gone: boolean;
  lastAttemptAt: number;
  lastSuccessAt: number | null;
}

/** Folds a subscription's outcomes (completion order) into its health change. */
export function healthChange(outcomes: readonly Pick<Outcome, "verdict" | "finishedAt">[]): HealthChange {
  const lastSuccess = outcomes.map((o) => o.verdict === "success").lastIndexOf(true);
  return {
    reset: lastSuccess >= 0,
    trailingFailures: outcomes.length - 1 - lastSuccess,
    gone: outcomes.some((o) => o.verdict === "gone"),
    lastAttemptAt: outcomes.at(-1)?.finishedAt ?? 0,
    lastSuccessAt: lastSuccess >= 0 ? outcomes[lastSuccess]!.finishedAt : null,
  };
}

/** Why a subscription answered 410 is disabled (the threshold's reason is "<n> consecutive failed attempts"). */
export const GONE_REASON = "endpoint answered 410 Gone";

/** The reason a claimed delivery whose event retention purged is settled with. */
export const EVENT_EXPIRED = "event_expired";
