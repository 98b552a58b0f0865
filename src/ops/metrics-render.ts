/** Renders metric totals (pure): the JSON document of GET /metrics and the Prometheus text exposition format. */
import {
  combine,
  DELIVERY_OUTCOMES,
  LATENCY_BOUNDS_MS,
  percentile,
  RATE_LIMIT_LEVELS,
  topEntries,
  type Histogram,
  type MetricsSnapshot,
} from "./metrics-model";
import { iso, isoOrNull } from "../lib/time";

/** Queue figures from the delivery outbox, or null where the deliveries table is not available. */
export interface QueueFigures {
  depth: number;
  deadLetter: number;
}

/** Everything GET /metrics shows. */
export interface MetricsView {
  snapshot: MetricsSnapshot;
  since: number | null;
  updatedAt: number | null;
  generatedAt: number;
  /** How many keys the top lists show. */
  top: number;
  queue: QueueFigures | null;
}

/** p50/p95/p99 (bucket-interpolated) and the exact mean, in ms; null figures without observations. */
export function latencySummary(h: Histogram) {
  return {
    p50: percentile(h, 0.5),
    p95: percentile(h, 0.95),
    p99: percentile(h, 0.99),
    avg: h.count ? Math.round((h.sumMs / h.count) * 100) / 100 : null,
  };
}

const rate = (part: number, whole: number) => (whole ? Math.round((part / whole) * 10_000) / 10_000 : 0);

/**
 * The share of finished deliveries that succeeded: success / (success + failed), null before any
 * finished. Retried attempts are not deliveries that ended, so they do not count — the meaning
 * of successRate in GET /subscriptions/:id/stats too (docs/API.md).
 */
function deliverySuccessRate(byOutcome: Record<string, number>): number | null {
  const finished = (byOutcome.success ?? 0) + (byOutcome.failed ?? 0);
  return finished ? rate(byOutcome.success ?? 0, finished) : null;
}

/** Per-route totals (all statuses combined). */
export function endpointTotals(snapshot: MetricsSnapshot) {
  return Object.keys(snapshot.requests)
    .sort()
    .map((route) => {
      const statuses = snapshot.requests[route]!;
      const histogram = combine(Object.values(statuses));
      const errors = Object.entries(statuses).reduce((n, [status, h]) => (Number(status) >= 400 ? n + h.count : n), 0);
      const serverErrors = Object.entries(statuses).reduce((n, [status, h]) => (Number(status) >= 500 ? n + h.count : n), 0);
      return { route, statuses, histogram, errors, serverErrors };
    });
}

/** The JSON document of GET /metrics. */
export function metricsJson(view: MetricsView) {
  const { snapshot } = view;
  const endpoints = endpointTotals(snapshot);
  const byEndpoint: Record<string, { count: number; byStatus: Record<string, number>; errors: number; errorRate: number; latencyMs: ReturnType<typeof latencySummary> }> = {};
  const errorsByStatus: Record<string, number> = {};
  for (const e of endpoints) {
    const byStatus: Record<string, number> = {};
    for (const [status, h] of Object.entries(e.statuses)) {
      byStatus[status] = h.count;
      if (Number(status) >= 400) errorsByStatus[status] = (errorsByStatus[status] ?? 0) + h.count;
    }
    byEndpoint[e.route] = { count: e.histogram.count, byStatus, errors: e.errors, errorRate: rate(e.errors, e.histogram.count), latencyMs: latencySummary(e.histogram) };
  }
  const all = combine(endpoints.map((e) => e.histogram));
  const errorTotal = endpoints.reduce((n, e) => n + e.errors, 0);
  const byLevel: Record<string, number> = {};
  for (const level of RATE_LIMIT_LEVELS) byLevel[level] = 0;
  const violationsByEndpoint: Record<string, Record<string, number>> = {};
  for (const [level, endpointsOfLevel] of Object.entries(snapshot.rateLimit)) {
    for (const [endpoint, n] of Object.entries(endpointsOfLevel)) {
      byLevel[level] = (byLevel[level] ?? 0) + n;
      (violationsByEndpoint[endpoint] ??= {})[level] = n;
    }
  }
  const byOutcome: Record<string, number> = {};
  for (const outcome of DELIVERY_OUTCOMES) byOutcome[outcome] = snapshot.deliveries[outcome] ?? 0;
  const deliveriesTotal = Object.values(snapshot.deliveries).reduce((a, b) => a + b, 0);
  return {
    window: { since: isoOrNull(view.since), updatedAt: isoOrNull(view.updatedAt), generatedAt: iso(view.generatedAt) },
    requests: { total: all.count, latencyMs: latencySummary(all), byEndpoint },
    errors: { total: errorTotal, rate: rate(errorTotal, all.count), byStatus: errorsByStatus },
    rateLimit: {
      violations: Object.values(byLevel).reduce((a, b) => a + b, 0),
      byLevel,
      byEndpoint: violationsByEndpoint,
      topTokens: topEntries(snapshot.rateLimitTokens, view.top).map(([tokenId, violations]) => ({ tokenId, violations })),
    },
    topTokens: topEntries(snapshot.tokens, view.top).map(([tokenId, requests]) => ({ tokenId, requests })),
    topSourceIps: topEntries(snapshot.sourceIps, view.top).map(([ip, requests]) => ({ ip, requests })),
    deliveries: { total: deliveriesTotal, byOutcome, successRate: deliverySuccessRate(byOutcome), latencyMs: latencySummary(snapshot.deliveryLatency) },
    queue: { depth: view.queue?.depth ?? null, deadLetter: view.queue?.deadLetter ?? null },
  };
}

/** The Content-Type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const labels = (pairs: Record<string, string>) => {
  const body = Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",");
  return body ? `{${body}}` : "";
};
const seconds = (ms: number) => String(ms / 1000);

/** Splits `METHOD /pattern` into its labels. */
function routeLabels(route: string): Record<string, string> {
  const space = route.indexOf(" ");
  return space < 0 ? { method: "", route } : { method: route.slice(0, space), route: route.slice(space + 1) };
}

class Exposition {
  readonly lines: string[] = [];

  family(name: string, type: "counter" | "gauge" | "histogram", help: string): this {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, pairs: Record<string, string>, value: number): this {
    this.lines.push(`${name}${labels(pairs)} ${value}`);
    return this;
  }

  histogram(name: string, pairs: Record<string, string>, h: Histogram): this {
    let cumulative = 0;
    LATENCY_BOUNDS_MS.forEach((bound, i) => {
      cumulative += h.buckets[i] ?? 0;
      this.sample(`${name}_bucket`, { ...pairs, le: seconds(bound) }, cumulative);
    });
    this.sample(`${name}_bucket`, { ...pairs, le: "+Inf" }, h.count);
    this.sample(`${name}_sum`, pairs, h.sumMs / 1000);
    return this.sample(`${name}_count`, pairs, h.count);
  }
}

/** The Prometheus text exposition (version 0.0.4) of the totals; latencies in seconds as Prometheus expects. */
export function prometheusText(view: MetricsView): string {
  const { snapshot } = view;
  const out = new Exposition();
  const endpoints = endpointTotals(snapshot);
  out.family("edgehook_http_requests_total", "counter", "Requests answered, by route pattern and status.");
  for (const e of endpoints) for (const [status, h] of Object.entries(e.statuses)) out.sample("edgehook_http_requests_total", { ...routeLabels(e.route), status }, h.count);
  out.family("edgehook_http_request_duration_seconds", "histogram", "Request latency by route pattern and status.");
  for (const e of endpoints) for (const [status, h] of Object.entries(e.statuses)) out.histogram("edgehook_http_request_duration_seconds", { ...routeLabels(e.route), status }, h);
  const errorsByStatus = new Map<string, number>();
  for (const e of endpoints) for (const [status, h] of Object.entries(e.statuses)) if (Number(status) >= 400) errorsByStatus.set(status, (errorsByStatus.get(status) ?? 0) + h.count);
  out.family("edgehook_http_errors_total", "counter", "Error responses (status 400 and above), by status.");
  for (const [status, n] of [...errorsByStatus].sort()) out.sample("edgehook_http_errors_total", { status }, n);
  out.family("edgehook_rate_limit_violations_total", "counter", "Requests refused by a rate limit, by level and endpoint.");
  for (const level of RATE_LIMIT_LEVELS) {
    const endpointsOfLevel = Object.entries(snapshot.rateLimit[level] ?? {});
    if (endpointsOfLevel.length === 0) out.sample("edgehook_rate_limit_violations_total", { level, endpoint: "" }, 0);
    for (const [endpoint, n] of endpointsOfLevel.sort()) out.sample("edgehook_rate_limit_violations_total", { level, endpoint }, n);
  }
  out.family("edgehook_rate_limited_token_requests_total", "counter", `Rate-limited requests of the ${view.top} most limited tokens.`);
  for (const [token, n] of topEntries(snapshot.rateLimitTokens, view.top)) out.sample("edgehook_rate_limited_token_requests_total", { token }, n);
  out.family("edgehook_token_requests_total", "counter", `Requests of the ${view.top} busiest tokens.`);
  for (const [token, n] of topEntries(snapshot.tokens, view.top)) out.sample("edgehook_token_requests_total", { token }, n);
  out.family("edgehook_source_ip_requests_total", "counter", `Requests of the ${view.top} busiest source addresses.`);
  for (const [ip, n] of topEntries(snapshot.sourceIps, view.top)) out.sample("edgehook_source_ip_requests_total", { ip }, n);
  out.family("edgehook_deliveries_total", "counter", "Delivery attempts that ended, by outcome (success, failed, retried).");
  for (const outcome of DELIVERY_OUTCOMES) out.sample("edgehook_deliveries_total", { outcome }, snapshot.deliveries[outcome] ?? 0);
  out.family("edgehook_delivery_duration_seconds", "histogram", "Delivery attempt latency.");
  out.histogram("edgehook_delivery_duration_seconds", {}, snapshot.deliveryLatency);
  if (view.queue) {
    out.family("edgehook_queue_depth", "gauge", "Deliveries waiting to be sent or retried.").sample("edgehook_queue_depth", {}, view.queue.depth);
    out.family("edgehook_dead_letters", "gauge", "Deliveries that exhausted their retries.").sample("edgehook_dead_letters", {}, view.queue.deadLetter);
  }
  if (view.since !== null) {
    out.family("edgehook_metrics_since_seconds", "gauge", "Unix time of the first figure in these totals.").sample("edgehook_metrics_since_seconds", {}, Math.floor(view.since / 1000));
  }
  return `${out.lines.join("\n")}\n`;
}

/**
 * Whether GET /metrics answers in the Prometheus text format: `?format=` decides when given;
 * otherwise an Accept naming `text/plain` or OpenMetrics (as Prometheus scrapers send) and not
 * `application/json`.
 */
export function wantsPrometheus(accept: string | undefined, format: "json" | "prometheus" | undefined): boolean {
  if (format) return format === "prometheus";
  const value = (accept ?? "").toLowerCase();
  if (value.includes("application/json")) return false;
  return value.includes("text/plain") || value.includes("application/openmetrics-text");
}
