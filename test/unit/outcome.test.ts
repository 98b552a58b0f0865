// The delivery decision (pure): outcome, retry time and settlement, health change, disable reason.
import { describe, expect, it } from "vitest";
import { decide, deferral, healthChange, type AttemptResult } from "../../src/delivery/core/outcome";
import { DEFAULT_RETRY_POLICY } from "../../src/delivery/core/retry-policy";

const claim = { deliveryId: "dlv-1", subscriptionId: "sub-1", attempt: 1, roundStart: 0 };
const result = (over: Partial<AttemptResult>): AttemptResult => ({ statusCode: 200, durationMs: 5, responseBody: "ok", error: null, verdict: "success", retryAfterMs: null, finishedAt: 1000, ...over });

describe("decide", () => {
  it("a success settles with an ack and no next attempt", () => {
    const { outcome, settlement } = decide(claim, result({}), DEFAULT_RETRY_POLICY);
    expect(outcome).toMatchObject({ deliveryId: "dlv-1", attempt: 1, status: "success", nextAt: null, verdict: "success" });
    expect(outcome).not.toHaveProperty("retryAfterMs");
    expect(settlement).toEqual({ action: "ack" });
  });

  it("a retryable failure schedules the next attempt, honouring Retry-After", () => {
    const { outcome, settlement } = decide(claim, result({ statusCode: 503, verdict: "retry", retryAfterMs: 7000 }), DEFAULT_RETRY_POLICY);
    expect(outcome).toMatchObject({ status: "retrying", nextAt: 8000 });
    expect(settlement).toEqual({ action: "retry", delaySeconds: 7 });
  });

  it("an exhausted round, a permanent failure and a 410 settle failed", () => {
    const last = { ...claim, attempt: 5 };
    expect(decide(last, result({ statusCode: 500, verdict: "retry" }), DEFAULT_RETRY_POLICY).outcome).toMatchObject({ status: "failed", verdict: "exhausted" });
    // A manual retry starts a new round: attempts count from roundStart.
    expect(decide({ ...last, roundStart: 4 }, result({ statusCode: 500, verdict: "retry" }), DEFAULT_RETRY_POLICY).outcome.status).toBe("retrying");
    expect(decide(claim, result({ statusCode: 400, verdict: "fail" }), DEFAULT_RETRY_POLICY)).toMatchObject({ outcome: { status: "failed" }, settlement: { action: "ack" } });
    expect(decide(claim, result({ statusCode: 410, verdict: "gone" }), DEFAULT_RETRY_POLICY).outcome.status).toBe("failed");
  });

  it("deferrals wait at least a second", () => {
    expect(deferral(0)).toEqual({ action: "defer", delaySeconds: 1 });
    expect(deferral(4400)).toEqual({ action: "defer", delaySeconds: 4 });
  });
});

describe("healthChange", () => {
  const o = (verdict: AttemptResult["verdict"], finishedAt: number) => ({ verdict, finishedAt });
  it("counts failures after the last success and resets on a success", () => {
    expect(healthChange([o("retry", 1), o("success", 2), o("fail", 3)])).toEqual({ reset: true, trailingFailures: 1, gone: false, lastAttemptAt: 3, lastSuccessAt: 2 });
    expect(healthChange([o("retry", 1), o("retry", 2)])).toEqual({ reset: false, trailingFailures: 2, gone: false, lastAttemptAt: 2, lastSuccessAt: null });
    expect(healthChange([o("gone", 4)])).toMatchObject({ gone: true, trailingFailures: 1 });
  });
});
