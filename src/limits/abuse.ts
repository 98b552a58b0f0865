/** Abuse protection at the edge: a reusable per-key limit middleware (client IP, inbound source) with slow-down, and the failed-authentication guard. */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/context";
import { AppError } from "../http/errors";
import { authFailureSpecs, ipSpecs, perMinute, slowDownMs, sourceSpecs } from "./abuse-policy";
import { admitKeyed, type LevelCall, peekKeyed } from "./counters";
import type { LevelSpec } from "./limiter";
import { combine, rateLimitError, tightest } from "./policy";

/** One keyed level of a request: its objects' prefix, the key, and the key's quotas. */
export interface KeyedLevel {
  prefix: "ip" | "source" | "inspector";
  key: string;
  specs: LevelSpec[];
}

/** The client's address as Cloudflare reports it (always set in production), or null. */
export function clientIp(c: Context<AppEnv>): string | null {
  return c.req.header("CF-Connecting-IP") ?? null;
}

/** The per-IP level of this request (none when the address is unknown or the limit is off). */
export function ipLevel(c: Context<AppEnv>): KeyedLevel[] {
  const ip = clientIp(c);
  return ip ? [{ prefix: "ip", key: ip, specs: ipSpecs(c.get("config").abuse) }] : [];
}

/**
 * The level of an inbound source: the provider's per-provider url (`github`), or with `sourceId`
 * one tenant's source (`github:src_…`, its own count at the provider's limit).
 */
export function sourceLevel(c: Context<AppEnv>, provider: string, sourceId?: string): KeyedLevel[] {
  return [{ prefix: "source", key: sourceId ? `${provider}:${sourceId}` : provider, specs: sourceSpecs(c.get("config").abuse, provider) }];
}

/** The level of inspector `inspectorId`: its own per-minute quota (INSPECTOR_LIMIT_PER_MINUTE). */
export function inspectorLevel(c: Context<AppEnv>, inspectorId: string): KeyedLevel[] {
  return [{ prefix: "inspector", key: inspectorId, specs: perMinute("inspector", c.get("config").inspector.perMinute) }];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Admits the request at every given level in one parallel round trip (each key's count lives in one
 * LimitCounter shard, exact). Over the slow-down threshold of a level the request is held back
 * progressively (`slowDownMs`); past the limit it throws 429 RATE_LIMITED and the levels that
 * admitted it are released. Sets the `X-RateLimit-*` headers of the tightest level.
 */
export async function admitLevels(c: Context<AppEnv>, all: KeyedLevel[]): Promise<void> {
  const levels = all.filter((level) => level.specs.length > 0);
  if (levels.length === 0) return;
  const shards = c.get("config").abuse.keyedShards;
  const results = await Promise.allSettled(levels.map((l) => admitKeyed(c.env.LIMIT_COUNTER, l.prefix, l.key, l.specs, shards)));
  const calls = results.map((r): LevelCall | null => (r.status === "fulfilled" ? r.value : null));
  const releaseAll = () => {
    for (const call of calls) if (call) c.executionCtx.waitUntil(call.release().catch(() => undefined));
  };
  const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) {
    releaseAll();
    throw new AppError("SERVICE_UNAVAILABLE", "Rate limiter is unavailable; retry shortly", { retryAfter: 1, cause: failure.reason });
  }
  const verdict = combine(calls.map((call) => call!.answer))!;
  c.set("rateLimitHeaders", verdict.headers);
  if (!verdict.allowed) {
    releaseAll();
    throw rateLimitError(verdict);
  }
  const { slowDownSoft, slowDownMaxMs } = c.get("config").abuse;
  const delay = Math.max(0, ...calls.flatMap((call) => call!.answer.views.map((v) => slowDownMs(v, slowDownSoft, slowDownMaxMs))));
  if (delay > 0) await sleep(delay);
}

/**
 * Middleware running `admitLevels` with the levels `levelsOf` names. Apply it to any
 * unauthenticated route: `app.post(path, keyedLimits((c) => ipLevel(c)), handler)`.
 */
export function keyedLimits(levelsOf: (c: Context<AppEnv>) => KeyedLevel[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await admitLevels(c, levelsOf(c));
    return next();
  };
}

/** Per-IP limit for unauthenticated routes (inspectors, dashboard sign-in, …). */
export const ipLimit: MiddlewareHandler<AppEnv> = keyedLimits(ipLevel);

/** An IP's failed authentications: `ip:<shard>` objects under the scope `<ip>|auth|`. */
const failureKey = (ip: string) => `${ip}|auth`;

/** Isolate-local memory of IPs over their failure limit, until their window frees a slot. */
const blockedUntil = new Map<string, number>();
const MAX_BLOCKED = 10_000;

function blockedError(retryAfterMs: number, limit: number): AppError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AppError("RATE_LIMITED", `Too many failed authentications from this address; retry in ${retryAfter} s`, {
    retryAfter,
    details: { level: "ip", limit, window: "minute", reason: "auth_failures" },
  });
}

/** The failed-authentication guard `authenticate` runs (see auth/middleware.ts `AuthGuard`). */
export const authFailureGuard = {
  /** Before any token lookup (D1 or JWKS): 429 when this IP is over its failure limit. */
  async beforeLookup(c: Context<AppEnv>): Promise<void> {
    const ip = clientIp(c);
    const specs = authFailureSpecs(c.get("config").abuse);
    if (!ip || specs.length === 0) return;
    const now = Date.now();
    const until = blockedUntil.get(ip);
    if (until !== undefined && until > now) throw blockedError(until - now, specs[0]!.limit);
    const shards = c.get("config").abuse.keyedShards;
    const [view] = await peekKeyed(c.env.LIMIT_COUNTER, "ip", failureKey(ip), specs, shards);
    if (view && view.remaining < 1) throw block(ip, now, view.retryAfterMs, view.limit);
  },

  /** Counts a failed authentication; returns the 429 to answer instead when this IP is over its limit. */
  async failed(c: Context<AppEnv>, error: AppError): Promise<AppError> {
    const ip = clientIp(c);
    const specs = authFailureSpecs(c.get("config").abuse);
    if (!ip || specs.length === 0) return error;
    const now = Date.now();
    const until = blockedUntil.get(ip);
    if (until !== undefined && until > now) return blockedError(until - now, specs[0]!.limit);
    const shards = c.get("config").abuse.keyedShards;
    const call = await admitKeyed(c.env.LIMIT_COUNTER, "ip", failureKey(ip), specs, shards).catch(() => null);
    const view = call && tightest(call.answer.views);
    if (!call || call.answer.allowed || !view) return error;
    return block(ip, now, view.retryAfterMs, view.limit);
  },
};

function block(ip: string, now: number, retryAfterMs: number, limit: number): AppError {
  if (blockedUntil.size >= MAX_BLOCKED) blockedUntil.clear();
  blockedUntil.set(ip, now + retryAfterMs);
  return blockedError(retryAfterMs, limit);
}
