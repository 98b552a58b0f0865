// Pure policies: configuration parsing, task queue estimates, health roll-up, request stats.
import { describe, expect, it } from "vitest";
import { estimateSchedule, priorityRank, allowedPredecessors } from "../../src/actions/task-queue";
import { estimateResearchCompletion } from "../../src/actions/research-repository";
import { ConfigError, getConfig } from "../../src/config";
import { overallHealth } from "../../src/ops/health";
import { RequestStats } from "../../src/ops/request-stats";

const env = (vars: Record<string, string>) => ({ ADMIN_TOKEN: "0123456789abcdef", ...vars }) as unknown as Env;

describe("config", () => {
  it("applies documented defaults", () => {
    const config = getConfig(env({}));
    expect(config.bodyLimitBytes).toBe(10 * 1024 * 1024);
    expect(config.corsOrigins).toEqual(["*"]);
    expect(config.rateLimits).toMatchObject({ enabled: true, tokenDefaultPerHour: 1000, burst: 1.5, endpointPerHour: { task: 2000, notify: 5000, research: 1000 } });
    expect(config.authCacheTtlMs).toBe(30_000);
    expect(config.jwt).toBeNull();
    expect(config.allowPrivateDestinations).toBe(false);
    expect(config.delivery.disableAfterFailures).toBe(50);
    expect(config.delivery.secretRotationGraceMs).toBe(24 * 3_600_000);
  });

  it("parses lists, keyed limits and booleans", () => {
    const config = getConfig(env({ CORS_ORIGINS: "https://a.test, https://b.test", RATE_LIMIT_ENDPOINTS: "task=5", STRICT_SCHEMAS: "true", RATE_LIMITS_ENABLED: "false" }));
    expect(config.corsOrigins).toEqual(["https://a.test", "https://b.test"]);
    expect(config.rateLimits.endpointPerHour.task).toBe(5);
    expect(config.rateLimits.endpointPerHour.notify).toBe(5000);
    expect(config.strictSchemas).toBe(true);
    expect(config.rateLimits.enabled).toBe(false);
  });

  it("names every bad setting", () => {
    expect(() => getConfig(env({ ADMIN_TOKEN: "short", BODY_LIMIT_BYTES: "lots", RATE_LIMIT_ENDPOINTS: "task" }))).toThrowError(ConfigError);
    expect(() => getConfig(env({ ADMIN_TOKEN: "short", BODY_LIMIT_BYTES: "lots" }))).toThrowError(/ADMIN_TOKEN[\s\S]*BODY_LIMIT_BYTES/);
  });

  it("requires JWT_ISSUER and JWT_AUDIENCE when JWT_JWKS_URL is set", () => {
    expect(() => getConfig(env({ JWT_JWKS_URL: "https://issuer.test/jwks" }))).toThrowError(/JWT_ISSUER[\s\S]*JWT_AUDIENCE/);
    expect(() => getConfig(env({ JWT_JWKS_URL: "https://issuer.test/jwks", JWT_ISSUER: "https://issuer.test/" }))).toThrowError(/JWT_AUDIENCE must be set/);
    expect(getConfig(env({ JWT_JWKS_URL: "https://issuer.test/jwks", JWT_ISSUER: "https://issuer.test/", JWT_AUDIENCE: "api" })).jwt).toMatchObject({ issuer: "https://issuer.test/", audience: "api" });
  });
});

describe("task queue", () => {
  it("ranks high before medium before low", () => {
    expect([priorityRank("high"), priorityRank("medium"), priorityRank("low")]).toEqual([0, 1, 2]);
  });

  it("estimates from the average, or the default with no history", () => {
    expect(estimateSchedule({ ahead: 3, averageDurationMs: 1000, defaultDurationMs: 5000, now: 10_000 })).toEqual({ estimatedStart: 13_000, estimatedCompletion: 14_000, averageDurationMs: 1000 });
    expect(estimateSchedule({ ahead: 0, averageDurationMs: null, defaultDurationMs: 5000, now: 0 })).toEqual({ estimatedStart: 0, estimatedCompletion: 5000, averageDurationMs: 5000 });
  });

  it("allows running only from pending, and finishing from pending or running", () => {
    expect(allowedPredecessors("running")).toEqual(["pending"]);
    expect(allowedPredecessors("completed")).toEqual(["pending", "running"]);
    expect(allowedPredecessors("failed")).toEqual(["pending", "running"]);
  });

  it("estimates research by depth", () => {
    expect(estimateResearchCompletion(3, 0)).toBe(6 * 60_000);
  });
});

describe("health and stats", () => {
  it("is unhealthy without D1 and degraded without queue or DOs", () => {
    const ok = { status: "ok" as const };
    const bad = { status: "error" as const };
    expect(overallHealth({ database: ok, queue: ok, durableObjects: ok })).toBe("healthy");
    expect(overallHealth({ database: bad, queue: ok, durableObjects: ok })).toBe("unhealthy");
    expect(overallHealth({ database: ok, queue: bad, durableObjects: ok })).toBe("degraded");
  });

  it("counts requests and averages response time by route", () => {
    const stats = new RequestStats({ now: () => 0 });
    stats.record("POST /task", 201, 10);
    stats.record("POST /task", 500, 30);
    stats.record("GET /health", 200, 1);
    expect(stats.total).toBe(3);
    expect(stats.snapshot()["POST /task"]).toEqual({ count: 2, errors: 1, avgResponseMs: 20, status: "degraded" });
  });
});

describe("uptime", () => {
  it("starts counting at the first request, not at module load", () => {
    let now = 0;
    const stats = new RequestStats({ now: () => now });
    now = 5000;
    stats.record("GET /health", 200, 1);
    expect(stats.startedAt).toBe(5000);
  });
});
