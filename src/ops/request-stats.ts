/** Per-isolate request counters and average response times by route, for GET /status. */

interface RouteStats {
  count: number;
  errors: number;
  totalMs: number;
  lastStatus: number;
}

/** An endpoint is "degraded" when at least 10% of its requests ended in a server error (5xx). */
export function endpointStatus(serverErrors: number, count: number): "ok" | "degraded" {
  return count > 0 && serverErrors / count >= 0.1 ? "degraded" : "ok";
}

/** Options for RequestStats. */
export interface RequestStatsOptions {
  now?: () => number;
}

/** Counts requests by route pattern; cheap enough to run on every request. */
export class RequestStats {
  readonly #now: () => number;
  #startedAt: number | null = null;
  #total = 0;
  readonly #routes = new Map<string, RouteStats>();

  constructor(options: RequestStatsOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** When this isolate began serving: read lazily, because workerd's clock reads 0 at module scope. */
  get startedAt(): number {
    this.#startedAt ??= this.#now();
    return this.#startedAt;
  }

  /** Records one finished request. */
  record(route: string, status: number, durationMs: number): void {
    void this.startedAt;
    this.#total++;
    const stats = this.#routes.get(route) ?? { count: 0, errors: 0, totalMs: 0, lastStatus: 0 };
    stats.count++;
    if (status >= 500) stats.errors++;
    stats.totalMs += durationMs;
    stats.lastStatus = status;
    this.#routes.set(route, stats);
  }

  get total(): number {
    return this.#total;
  }

  /** Per-route figures: count, server errors, average ms, and a status (degraded when ≥ 10% 5xx). */
  snapshot(): Record<string, { count: number; errors: number; avgResponseMs: number; status: "ok" | "degraded" }> {
    const out: Record<string, { count: number; errors: number; avgResponseMs: number; status: "ok" | "degraded" }> = {};
    for (const [route, s] of this.#routes) {
      out[route] = {
        count: s.count,
        errors: s.errors,
        avgResponseMs: Math.round((s.totalMs / s.count) * 100) / 100,
        status: endpointStatus(s.errors, s.count),
      };
    }
    return out;
  }
}

/** This isolate's stats. */
export const REQUEST_STATS = new RequestStats();

/** Tenants whose isolate stats are kept at most (past it the map starts over: stats are per isolate and best effort anyway). */
const TENANT_STATS_KEPT = 1000;
const TENANT_STATS = new Map<string, RequestStats>();

/** This isolate's stats of the requests made in one tenant (created on first use). */
export function tenantRequestStats(tenantId: string): RequestStats {
  let stats = TENANT_STATS.get(tenantId);
  if (!stats) {
    if (TENANT_STATS.size >= TENANT_STATS_KEPT) TENANT_STATS.clear();
    TENANT_STATS.set(tenantId, (stats = new RequestStats()));
  }
  return stats;
}
