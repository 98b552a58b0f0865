/** Rate-limit policy (pure): which quotas apply to a request, and how the levels' answers become one verdict and its headers. */
import type { Config } from "../config";
import { AppError } from "../http/errors";
import { burstCapacity, DAY_MS, HOUR_MS, type LevelName, type LevelSpec, type LevelView } from "./limiter";

/** The configured limits (config.rateLimits). */
export type RateLimitConfig = Config["rateLimits"];

/** The quotas of one request, grouped by the object that holds them. */
export interface LevelPlan {
  token: LevelSpec[];
  endpoint: LevelSpec[];
  global: LevelSpec[];
}

function hourly(level: LevelName, limit: number, config: RateLimitConfig): LevelSpec[] {
  if (limit <= 0) return [];
  return [{ key: "hour", level, limit, windowMs: HOUR_MS, burstCapacity: burstCapacity(limit, config.burst, config.burstPeriodMs, HOUR_MS) }];
}

/**
 * The quotas for a request to `endpoint`. `tokenLimit` is the caller's own hourly limit, null for its
 * default, or `"exempt"` for the operator's admin secret. A configured limit of 0 switches that quota off;
 * an endpoint without a configured limit has no endpoint quota.
 */
export function planLevels(config: RateLimitConfig, tokenLimit: number | null | "exempt", endpoint: string): LevelPlan {
  if (!config.enabled) return { token: [], endpoint: [], global: [] };
  const day: LevelSpec[] =
    config.globalPerDay > 0 ? [{ key: "day", level: "global", limit: config.globalPerDay, windowMs: DAY_MS, burstCapacity: 0 }] : [];
  return {
    token: tokenLimit === "exempt" ? [] : hourly("token", tokenLimit ?? config.tokenDefaultPerHour, config),
    endpoint: hourly("endpoint", config.endpointPerHour[endpoint] ?? 0, config),
    global: [...hourly("global", config.globalPerHour, config), ...day],
  };
}

/**
 * The tenant level's quotas: the tenant's `rateLimit` per hour for all its tokens together (with
 * the same burst shaping as the other hourly levels). None when limits are off or the tenant sets no limit.
 */
export function tenantLevels(config: RateLimitConfig, tenantLimit: number | null): LevelSpec[] {
  if (!config.enabled || tenantLimit === null) return [];
  return hourly("tenant", tenantLimit, config);
}

/** The combined answer of every level for one request. */
export interface Verdict {
  allowed: boolean;
  /** `X-RateLimit-*` for the tightest level. */
  headers: Record<string, string>;
  /** The level that decided: the tightest when allowed, the longest wait when refused. */
  binding: LevelView;
  /** Whole seconds after which the request would be admitted (refused only). */
  retryAfter?: number;
}

/** Headers for one level's view. */
export function rateLimitHeaders(view: LevelView): Record<string, string> {
  return {
    "X-RateLimit-Limit": String(view.limit),
    "X-RateLimit-Remaining": String(view.remaining),
    "X-RateLimit-Reset": String(Math.ceil(view.resetAt / 1000)),
  };
}

/** The level a client should watch: fewest remaining, then the latest reset (null without levels). */
export function tightest(views: LevelView[]): LevelView | null {
  if (views.length === 0) return null;
  return views.reduce((a, b) => (b.remaining < a.remaining || (b.remaining === a.remaining && b.resetAt > a.resetAt) ? b : a));
}

/** One object's answer: whether it admitted, and its views (after counting when admitted). */
export interface ObjectAnswer {
  allowed: boolean;
  views: LevelView[];
}

/**
 * One verdict from every object's answer (null when no level applies). Refused when any object
 * refused; the binding level is then the refusing level with the longest wait, and Retry-After that
 * wait rounded up to whole seconds (objects that admitted are released, so they add no wait), so a
 * client that waits it out finds room everywhere, absent other traffic.
 */
export function combine(answers: ObjectAnswer[]): Verdict | null {
  const views = answers.flatMap((a) => a.views);
  const binding = tightest(views);
  if (!binding) return null;
  const refusing = answers.filter((a) => !a.allowed).flatMap((a) => a.views.filter((v) => v.remaining < 1));
  if (refusing.length === 0) return { allowed: true, headers: rateLimitHeaders(binding), binding };
  const longest = refusing.reduce((a, b) => (b.retryAfterMs > a.retryAfterMs ? b : a));
  return { allowed: false, headers: rateLimitHeaders(longest), binding: longest, retryAfter: Math.max(1, Math.ceil(longest.retryAfterMs / 1000)) };
}

/** A view as it stands once the request it counted is released again. */
export function withoutRequest(view: LevelView): LevelView {
  return { ...view, remaining: Math.min(view.limit, view.remaining + 1) };
}

/** The 429 RATE_LIMITED error of a refused verdict: the binding level, its limit and window, and the wait. */
export function rateLimitError(verdict: Verdict): AppError {
  const { binding } = verdict;
  return new AppError(
    "RATE_LIMITED",
    `Rate limit exceeded: ${binding.limit} requests per ${binding.key} at the ${binding.level} level; retry in ${verdict.retryAfter} s`,
    { retryAfter: verdict.retryAfter, details: { level: binding.level, limit: binding.limit, window: binding.key } },
  );
}
