/** Metric data model (pure): fixed-bucket histograms, mergeable snapshots, their row form for the Metrics DO, percentiles. */

/** Upper bounds (ms, inclusive) of the latency buckets; one more bucket (+Inf) follows the last. */
export const LATENCY_BOUNDS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000] as const;

/** Rate-limit levels of the contract. */
export const RATE_LIMIT_LEVELS = ["global", "endpoint", "token", "tenant"] as const;
export type RateLimitLevel = (typeof RATE_LIMIT_LEVELS)[number];

/** Delivery outcomes counted: one per attempt that ended (retried = failed attempt that will be tried again). */
export const DELIVERY_OUTCOMES = ["success", "failed", "retried"] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

/** Counts of observations per bucket (not cumulative), their number and sum. */
export interface Histogram {
  count: number;
  sumMs: number;
  /** `buckets[i]` counts observations in (bound[i-1], bound[i]]; the last entry is (last bound, +Inf). */
  buckets: number[];
}

/** Counters and histograms; the same shape is an isolate's delta batch and the DO's running total. */
export interface MetricsSnapshot {
  /** route (`METHOD /pattern`) → status → latency histogram. */
  requests: Record<string, Record<string, Histogram>>;
  /** Requests per authenticated token id (bounded: the heaviest keys survive). */
  tokens: Record<string, number>;
  /** Requests per source address (bounded likewise). */
  sourceIps: Record<string, number>;
  /** level → endpoint → refused requests. */
  rateLimit: Record<string, Record<string, number>>;
  /** Refused requests per token id (bounded likewise). */
  rateLimitTokens: Record<string, number>;
  /** outcome → attempts. */
  deliveries: Record<string, number>;
  deliveryLatency: Histogram;
}

/** The keyed sections that can grow with traffic and are capped to their heaviest keys. */
export const TOP_SECTIONS = ["tokens", "sourceIps", "rateLimitTokens"] as const;
export type TopSection = (typeof TOP_SECTIONS)[number];

/** An empty keyed record (a plain object: Durable Object RPC cannot clone prototype-less ones). */
export function dict<T>(): Record<string, T> {
  return {};
}

/** An empty histogram. */
export function emptyHistogram(): Histogram {
  return { count: 0, sumMs: 0, buckets: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0) };
}

/** An empty snapshot. */
export function emptySnapshot(): MetricsSnapshot {
  return { requests: dict(), tokens: dict(), sourceIps: dict(), rateLimit: dict(), rateLimitTokens: dict(), deliveries: dict(), deliveryLatency: emptyHistogram() };
}

/** Index of the bucket an observation falls in. */
export function bucketIndex(ms: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (ms <= LATENCY_BOUNDS_MS[i]!) return i;
  return LATENCY_BOUNDS_MS.length;
}

/** Adds one observation to a histogram (negative or non-finite durations count as 0). */
export function observe(histogram: Histogram, ms: number): void {
  const value = Number.isFinite(ms) && ms > 0 ? ms : 0;
  histogram.count++;
  histogram.sumMs += value;
  histogram.buckets[bucketIndex(value)]!++;
}

/** Adds `n` to `record[key]`. */
export function bump(record: Record<string, number>, key: string, n = 1): void {
  // hasOwn: a key such as "constructor" (a JWT subject is caller-chosen) must not read Object.prototype.
  record[key] = (Object.hasOwn(record, key) ? record[key]! : 0) + n;
}

function mergeHistogram(target: Histogram, delta: Histogram): void {
  target.count += delta.count;
  target.sumMs += delta.sumMs;
  for (let i = 0; i < target.buckets.length; i++) target.buckets[i]! += delta.buckets[i] ?? 0;
}

function mergeCounts(target: Record<string, number>, delta: Record<string, number>): void {
  for (const key in delta) bump(target, key, delta[key]!);
}

/** Adds every figure of `delta` into `target` (in place) and returns `target`. */
export function mergeSnapshot(target: MetricsSnapshot, delta: MetricsSnapshot): MetricsSnapshot {
  for (const route in delta.requests) {
    const statuses = (target.requests[route] ??= dict());
    for (const status in delta.requests[route]) mergeHistogram((statuses[status] ??= emptyHistogram()), delta.requests[route]![status]!);
  }
  for (const level in delta.rateLimit) mergeCounts((target.rateLimit[level] ??= dict()), delta.rateLimit[level]!);
  for (const section of TOP_SECTIONS) mergeCounts(target[section], delta[section]);
  mergeCounts(target.deliveries, delta.deliveries);
  mergeHistogram(target.deliveryLatency, delta.deliveryLatency);
  return target;
}

/** True when the snapshot holds no observation at all. */
export function isEmpty(snapshot: MetricsSnapshot): boolean {
  for (const _ in snapshot.requests) return false;
  for (const _ in snapshot.rateLimit) return false;
  for (const _ in snapshot.deliveries) return false;
  return snapshot.deliveryLatency.count === 0;
}

/** The `limit` heaviest entries of a keyed count, heaviest first (ties by key, for stable output). */
export function topEntries(record: Record<string, number>, limit: number): Array<[string, number]> {
  return Object.entries(record)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, limit);
}

/**
 * The q-quantile (0..1) of a histogram by linear interpolation inside the bucket that holds it
 * (as Prometheus' histogram_quantile does); null without observations. A quantile in the +Inf
 * bucket is reported as the highest finite bound.
 */
export function percentile(histogram: Histogram, q: number): number | null {
  if (histogram.count === 0) return null;
  const rank = q * histogram.count;
  let cumulative = 0;
  for (let i = 0; i < histogram.buckets.length; i++) {
    const inBucket = histogram.buckets[i]!;
    if (inBucket > 0 && cumulative + inBucket >= rank) {
      if (i === LATENCY_BOUNDS_MS.length) return LATENCY_BOUNDS_MS[i - 1]!;
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]!;
      const upper = LATENCY_BOUNDS_MS[i]!;
      return Math.round((lower + ((upper - lower) * Math.max(0, rank - cumulative)) / inBucket) * 100) / 100;
    }
    cumulative += inBucket;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]!;
}

/** The sum of histograms (e.g. one route's statuses). */
export function combine(histograms: Iterable<Histogram>): Histogram {
  const out = emptyHistogram();
  for (const h of histograms) mergeHistogram(out, h);
  return out;
}

/** One stored figure of the Metrics DO: `section` names the snapshot part, `key` encodes its labels. */
export interface MetricRow {
  section: string;
  key: string;
  value: number;
}

const histogramFields = (h: Histogram): Array<[string, number]> => [["count", h.count], ["sum", h.sumMs], ...h.buckets.map((n, i): [string, number] => [`b${i}`, n])];

function setHistogramField(h: Histogram, field: string, value: number): void {
  if (field === "count") h.count = value;
  else if (field === "sum") h.sumMs = value;
  else if (/^b\d+$/.test(field) && Number(field.slice(1)) < h.buckets.length) h.buckets[Number(field.slice(1))] = value;
}

/** The snapshot as additive rows (zero figures omitted): the DO upserts `value = value + excluded.value`. */
export function toRows(snapshot: MetricsSnapshot): MetricRow[] {
  const rows: MetricRow[] = [];
  const push = (section: string, key: string, value: number) => {
    if (value !== 0) rows.push({ section, key, value });
  };
  for (const route in snapshot.requests) {
    for (const status in snapshot.requests[route]) {
      for (const [field, value] of histogramFields(snapshot.requests[route]![status]!)) push("requests", JSON.stringify([route, status, field]), value);
    }
  }
  for (const level in snapshot.rateLimit) {
    for (const endpoint in snapshot.rateLimit[level]) push("rateLimit", JSON.stringify([level, endpoint]), snapshot.rateLimit[level]![endpoint]!);
  }
  for (const section of TOP_SECTIONS) for (const key in snapshot[section]) push(section, key, snapshot[section][key]!);
  for (const outcome in snapshot.deliveries) push("deliveries", outcome, snapshot.deliveries[outcome]!);
  for (const [field, value] of histogramFields(snapshot.deliveryLatency)) push("deliveryLatency", field, value);
  return rows;
}

/** Rebuilds a snapshot from rows (unknown sections or malformed keys are skipped). */
export function fromRows(rows: Iterable<MetricRow>): MetricsSnapshot {
  const snapshot = emptySnapshot();
  for (const { section, key, value } of rows) {
    if (section === "requests") {
      const [route, status, field] = JSON.parse(key) as [string, string, string];
      const statuses = (snapshot.requests[route] ??= dict());
      setHistogramField((statuses[status] ??= emptyHistogram()), field, value);
    } else if (section === "rateLimit") {
      const [level, endpoint] = JSON.parse(key) as [string, string];
      (snapshot.rateLimit[level] ??= dict())[endpoint] = value;
    } else if ((TOP_SECTIONS as readonly string[]).includes(section)) {
      snapshot[section as TopSection][key] = value;
    } else if (section === "deliveries") {
      snapshot.deliveries[key] = value;
    } else if (section === "deliveryLatency") {
      setHistogramField(snapshot.deliveryLatency, key, value);
    }
  }
  return snapshot;
}
