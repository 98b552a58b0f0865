// Rate limits through the real Worker: token and endpoint levels, headers, the 429 envelope, Retry-After, no cross-level consumption.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { HOUR_MS, type LevelState } from "../../src/limits/limiter";
import type { LimitCounter } from "../../src/limits/limit-counter";
import { FLUSH_MS } from "../../src/limits/limit-store";
import { planLevels } from "../../src/limits/policy";
import type { TokenState } from "../../src/limits/token-state";
import { call, createToken } from "./helpers";

/** Small, exact limits: the bucket covers the whole hour, so only the hourly windows bind. */
const EXACT = { RATE_LIMIT_BURST_PERIOD_SECONDS: "3600" };

/** The plan the gateway uses under `vars` for a token with `rateLimit`, on endpoint "tokens". */
function plan(vars: Record<string, string>, rateLimit: number | null) {
  return planLevels(getConfig({ ...env, ...vars }).rateLimits, rateLimit, "tokens");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A level's stored state inside a limiter object (written out first). */
async function storedLevel(stub: DurableObjectStub<LimitCounter> | DurableObjectStub<TokenState>, key: string): Promise<LevelState> {
  return runInDurableObject(stub, (instance: LimitCounter | TokenState, state) => {
    instance.flush();
    const row = state.storage.sql.exec<{ state: string }>("SELECT state FROM limit_levels WHERE key = ?", key).one();
    return JSON.parse(row.state) as LevelState;
  });
}

/** Rate-limit violations from GET /metrics (which flushes this isolate first): the token's count and the level's count on the `tokens` endpoint. */
async function violationsOf(tokenId: string, level: "token" | "endpoint" | "global") {
  const { rateLimit } = (await call("/metrics")).json.data;
  const token = rateLimit.topTokens.find((t: { tokenId: string }) => t.tokenId === tokenId)?.violations ?? 0;
  const atLevel = rateLimit.byEndpoint.tokens?.[level] ?? 0;
  return { token, level: atLevel, sub: (other: { token: number; level: number }) => ({ token: token - other.token, level: atLevel - other.level }) };
}

describe("token level", () => {
  it("admits exactly the token's limit, then answers 429 with the contract's envelope and headers", async () => {
    const token = await createToken(["tokens"], { rateLimit: 3 });
    for (const remaining of ["2", "1", "0"]) {
      const res = await call("/tokens", { token: token.key, vars: EXACT });
      expect(res.status).toBe(200);
      expect(res.headers.get("X-RateLimit-Limit")).toBe("3");
      expect(res.headers.get("X-RateLimit-Remaining")).toBe(remaining);
      expect(Number(res.headers.get("X-RateLimit-Reset"))).toBeGreaterThan(Date.now() / 1000);
      expect(Number(res.headers.get("X-RateLimit-Reset"))).toBeLessThanOrEqual(Date.now() / 1000 + 86_400 + 60); // unix seconds, not ms
    }
    const refused = await call("/tokens", { token: token.key, vars: EXACT });
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ success: false, code: "RATE_LIMITED", retryable: true, details: { level: "token", limit: 3, window: "hour" } });
    expect(refused.json.retryAfter).toBeGreaterThan(3500);
    expect(refused.json.retryAfter).toBeLessThanOrEqual(3660);
    expect(refused.headers.get("Retry-After")).toBe(String(refused.json.retryAfter));
    expect(refused.headers.get("X-RateLimit-Remaining")).toBe("0");
    expect(refused.headers.get("X-RateLimit-Limit")).toBe("3");
  });

  it("a refusal at the token level consumes nothing at the global level, and is counted", async () => {
    const token = await createToken(["tokens"], { rateLimit: 1 });
    // One global shard, so that every request of this test meets the same object.
    const vars = { ...EXACT, RATE_LIMIT_GLOBAL_SHARDS: "1" };
    const global = env.LIMIT_COUNTER.getByName("global:0");
    const spec = plan(vars, 1).global[0]!;
    expect((await call("/tokens", { token: token.key, vars })).status).toBe(200);
    const violationsBefore = await violationsOf(token.id, "token");
    const before = await storedLevel(global, "hour");
    for (let i = 0; i < 4; i++) expect((await call("/tokens", { token: token.key, vars })).status).toBe(429);
    const after = await storedLevel(global, "hour");
    // Each refused request was counted at the global level, then released exactly: the window holds
    // the same requests, and the bucket is where refill alone would have taken it.
    expect(after.slots).toEqual(before.slots);
    expect(after.units).toBe(Math.min(spec.burstCapacity * spec.windowMs, before.units + spec.limit * (after.at - before.at)));
    expect((await violationsOf(token.id, "token")).sub(violationsBefore)).toEqual({ token: 4, level: 4 });
  });

  it("uses the configured default for tokens without their own limit, and puts headers on error responses too", async () => {
    const token = await createToken(["tokens"]);
    const vars = { ...EXACT, RATE_LIMIT_TOKEN_DEFAULT: "2" };
    const missing = await call("/tokens/tok-missing", { token: token.key, vars });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("X-RateLimit-Limit")).toBe("2");
    expect(missing.headers.get("X-RateLimit-Remaining")).toBe("1");
    expect((await call("/tokens", { token: token.key, vars })).status).toBe(200);
    expect((await call("/tokens", { token: token.key, vars })).status).toBe(429);
  });

  it("shapes bursts with the token bucket and admits a client that waits Retry-After", async () => {
    // 3600/h refills one token a second; a 1 s burst period with burst 1.5 holds one token.
    const token = await createToken(["tokens"], { rateLimit: 3600 });
    const vars = { RATE_LIMIT_BURST_PERIOD_SECONDS: "1" };
    expect((await call("/tokens", { token: token.key, vars })).status).toBe(200);
    const refused = await call("/tokens", { token: token.key, vars });
    expect(refused.status).toBe(429);
    expect(refused.json.retryAfter).toBe(1);
    expect(refused.headers.get("Retry-After")).toBe("1");
    await sleep(refused.json.retryAfter * 1000);
    const admitted = await call("/tokens", { token: token.key, vars });
    expect(admitted.status).toBe(200);
  });
});

describe("GET /status", () => {
  it("reports the caller's standing without counting against it", async () => {
    const token = await createToken(["tokens"], { rateLimit: 3 });
    expect((await call("/tokens", { token: token.key, vars: EXACT })).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const status = await call("/status", { token: token.key, vars: EXACT });
      expect(status.status).toBe(200);
      expect(status.json.data.rateLimit).toMatchObject({ "X-RateLimit-Limit": "3", "X-RateLimit-Remaining": "2" });
    }
  });
});

describe("persistence", () => {
  it("counts survive the object being evicted once written behind", async () => {
    const token = await createToken(["tokens"], { rateLimit: 2 });
    for (let i = 0; i < 2; i++) expect((await call("/tokens", { token: token.key, vars: EXACT })).status).toBe(200);
    await sleep(FLUSH_MS * 3);
    await evictDurableObject(env.TOKEN_STATE.getByName(token.id));
    expect((await call("/tokens", { token: token.key, vars: EXACT })).status).toBe(429);
  });
});

describe("endpoint level", () => {
  it("is shared by every token on the endpoint; its refusal consumes nothing at the token level", async () => {
    const vars = { ...EXACT, RATE_LIMIT_ENDPOINTS: "tokens=2" };
    const a = await createToken(["tokens"], { rateLimit: 100 });
    const b = await createToken(["tokens"], { rateLimit: 100 });
    expect((await call("/tokens", { token: a.key, vars })).status).toBe(200);
    const second = await call("/tokens", { token: a.key, vars });
    expect(second.status).toBe(200);
    expect(second.headers.get("X-RateLimit-Limit")).toBe("2");
    expect(second.headers.get("X-RateLimit-Remaining")).toBe("0");
    const refused = await call("/tokens", { token: b.key, vars });
    expect(refused.status).toBe(429);
    expect(refused.json.details).toMatchObject({ level: "endpoint", limit: 2 });
    // B was admitted at its own level and then released: its token level is untouched.
    const views = await env.TOKEN_STATE.getByName(b.id).peek(plan(vars, 100).token);
    expect(views[0]).toMatchObject({ level: "token", limit: 100, remaining: 100 });
    const stored = await storedLevel(env.TOKEN_STATE.getByName(b.id), "hour");
    expect(stored.slots).toEqual([]);
    expect(stored.units).toBe(150 * HOUR_MS); // back to a full bucket (capacity 1.5 × 100)
    expect((await violationsOf(b.id, "endpoint")).token).toBe(1);
  });
});

describe("switched off", () => {
  it("RATE_LIMITS_ENABLED=false admits everything without headers", async () => {
    const token = await createToken(["tokens"], { rateLimit: 1 });
    for (let i = 0; i < 3; i++) {
      const res = await call("/tokens", { token: token.key, vars: { RATE_LIMITS_ENABLED: "false" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("X-RateLimit-Limit")).toBeNull();
    }
  });

  it("the admin secret has no token level but still counts globally", async () => {
    const res = await call("/tokens", { vars: { ...EXACT, RATE_LIMIT_TOKEN_DEFAULT: "1" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("X-RateLimit-Limit")).toBe("100000");
  });
});
