// Retry policy: verdicts per status, backoff strategies, jitter, Retry-After bounds.
import { describe, expect, it } from "vitest";
import {
  baseDelayMs,
  classifyStatus,
  DEFAULT_RETRY_POLICY,
  MAX_RETRY_AFTER_MS,
  nextRetryDelayMs,
  parseRetryAfter,
  toDelaySeconds,
  type RetryPolicy,
} from "../../src/delivery/core/retry-policy";

const policy = (p: Partial<RetryPolicy>): RetryPolicy => ({ ...DEFAULT_RETRY_POLICY, ...p });

describe("classifyStatus", () => {
  it("2xx succeeds", () => {
    for (const s of [200, 201, 202, 204, 299]) expect(classifyStatus(s)).toBe("success");
  });
  it("network errors, timeouts, 408, 425, 429 and 5xx retry", () => {
    for (const s of [null, 408, 425, 429, 500, 502, 503, 504, 599]) expect(classifyStatus(s)).toBe("retry");
  });
  it("3xx and other 4xx fail without retry; 410 is gone", () => {
    for (const s of [301, 302, 304, 307, 400, 401, 403, 404, 409, 422]) expect(classifyStatus(s)).toBe("fail");
    expect(classifyStatus(410)).toBe("gone");
  });
});

describe("backoff", () => {
  it("exponential doubles from the initial delay and caps", () => {
    const p = policy({ strategy: "exponential", initialDelayMs: 1000, maxDelayMs: 5000 });
    expect([1, 2, 3, 4, 5].map((n) => baseDelayMs(p, n))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
  it("linear grows by the initial delay; fixed stays", () => {
    expect([1, 2, 3].map((n) => baseDelayMs(policy({ strategy: "linear", initialDelayMs: 300 }), n))).toEqual([300, 600, 900]);
    expect([1, 2, 3].map((n) => baseDelayMs(policy({ strategy: "fixed", initialDelayMs: 300 }), n))).toEqual([300, 300, 300]);
  });
});

describe("nextRetryDelayMs", () => {
  it("adds 0..20% jitter, never below the backoff", () => {
    const p = policy({ initialDelayMs: 1000 });
    expect(nextRetryDelayMs(p, { attemptsMade: 1, random: 0 })).toBe(1000);
    expect(nextRetryDelayMs(p, { attemptsMade: 1, random: 0.999999 })).toBe(1200);
    expect(nextRetryDelayMs(p, { attemptsMade: 2, random: 0.5 })).toBe(2200);
  });
  it("keeps delays growing for exponential even with worst-case jitter", () => {
    const p = policy({ initialDelayMs: 1000, maxRetries: 10, maxDelayMs: 10_000_000 });
    for (let n = 1; n < 8; n++) {
      expect(nextRetryDelayMs(p, { attemptsMade: n + 1, random: 0 })!).toBeGreaterThan(nextRetryDelayMs(p, { attemptsMade: n, random: 0.999 })!);
    }
  });
  it("gives up after maxRetries retries (5 attempts by default)", () => {
    expect(nextRetryDelayMs(DEFAULT_RETRY_POLICY, { attemptsMade: 4, random: 0 })).not.toBeNull();
    expect(nextRetryDelayMs(DEFAULT_RETRY_POLICY, { attemptsMade: 5, random: 0 })).toBeNull();
    expect(nextRetryDelayMs(policy({ maxRetries: 0 }), { attemptsMade: 1 })).toBeNull();
  });
  it("honours Retry-After instead of the backoff", () => {
    expect(nextRetryDelayMs(policy({ initialDelayMs: 10 }), { attemptsMade: 1, retryAfterMs: 2000, random: 0.5 })).toBe(2000);
  });
  it("never jitters past maxDelayMs", () => {
    expect(nextRetryDelayMs(policy({ initialDelayMs: 1000, maxDelayMs: 1000 }), { attemptsMade: 3, random: 0.99 })).toBe(1000);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("reads delta seconds and HTTP dates", () => {
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
  });
  it("bounds to [0, 1 h] and ignores garbage", () => {
    expect(parseRetryAfter("999999", now)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter("-5", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe("toDelaySeconds", () => {
  it("rounds to whole seconds within the queue's 12 h limit", () => {
    expect(toDelaySeconds(0)).toBe(0);
    expect(toDelaySeconds(400)).toBe(0);
    expect(toDelaySeconds(1500)).toBe(2);
    expect(toDelaySeconds(99 * 3600 * 1000)).toBe(43200);
  });
});
