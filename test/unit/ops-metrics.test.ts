// Pure metrics modules: histogram model, accumulator flush policy, JSON and Prometheus rendering.
import { describe, expect, it } from "vitest";
import { MetricsAccumulator } from "../../src/ops/metrics-accumulator";
import {
  bucketIndex,
  emptyHistogram,
  emptySnapshot,
  fromRows,
  LATENCY_BOUNDS_MS,
  mergeSnapshot,
  observe,
  percentile,
  toRows,
  topEntries,
  type MetricsSnapshot,
} from "../../src/ops/metrics-model";
import { metricsJson, prometheusText, wantsPrometheus, type MetricsView } from "../../src/ops/metrics-render";
import { families, histogramSeries } from "../prometheus";

function histogramOf(values: number[]) {
  const h = emptyHistogram();
  for (const v of values) observe(h, v);
  return h;
}

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("histogram model", () => {
  it("puts observations in the bucket whose bound is the first ≥ the value", () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(1)).toBe(0);
    expect(bucketIndex(1.5)).toBe(1);
    expect(bucketIndex(5)).toBe(2);
    expect(bucketIndex(30_000)).toBe(LATENCY_BOUNDS_MS.length - 1);
    expect(bucketIndex(30_001)).toBe(LATENCY_BOUNDS_MS.length);
  });

  it("counts, sums, and treats negative or non-finite durations as 0", () => {
    const h = histogramOf([3, 7, -5, Number.NaN]);
    expect(h.count).toBe(4);
    expect(h.sumMs).toBe(10);
    expect(h.buckets[0]).toBe(2);
    expect(h.buckets[2]).toBe(1);
    expect(h.buckets[3]).toBe(1);
  });

  it("interpolates percentiles inside the bucket like histogram_quantile", () => {
    expect(percentile(emptyHistogram(), 0.5)).toBeNull();
    // 10 observations in (10, 25]: the median sits halfway through that bucket.
    const h = histogramOf(new Array(10).fill(20));
    expect(percentile(h, 0.5)).toBe(17.5);
    expect(percentile(h, 1)).toBe(25);
    // 90 fast + 10 slow: p50 among the fast, p99 among the slow.
    const mixed = histogramOf([...new Array(90).fill(2), ...new Array(10).fill(400)]);
    expect(percentile(mixed, 0.5)).toBeGreaterThan(1);
    expect(percentile(mixed, 0.5)).toBeLessThanOrEqual(2);
    expect(percentile(mixed, 0.95)).toBeGreaterThan(250);
    expect(percentile(mixed, 0.99)).toBeLessThanOrEqual(500);
  });

  it("reports a quantile in the +Inf bucket as the highest finite bound", () => {
    expect(percentile(histogramOf([60_000, 90_000]), 0.99)).toBe(30_000);
  });

  it("merges snapshots figure by figure", () => {
    const a = emptySnapshot();
    a.requests["GET /x"] = { "200": histogramOf([1, 2]) };
    a.tokens.t1 = 2;
    a.rateLimit.token = { task: 1 };
    a.deliveries.success = 1;
    const b = emptySnapshot();
    b.requests["GET /x"] = { "200": histogramOf([3]), "500": histogramOf([4]) };
    b.tokens.t1 = 1;
    b.tokens.t2 = 5;
    b.rateLimit.token = { task: 2, notify: 1 };
    b.deliveries.success = 2;
    b.deliveries.failed = 1;
    observe(b.deliveryLatency, 100);
    mergeSnapshot(a, b);
    expect(a.requests["GET /x"]!["200"]!.count).toBe(3);
    expect(a.requests["GET /x"]!["200"]!.sumMs).toBe(6);
    expect(a.requests["GET /x"]!["500"]!.count).toBe(1);
    expect(a.tokens).toEqual({ t1: 3, t2: 5 });
    expect(a.rateLimit.token).toEqual({ task: 3, notify: 1 });
    expect(a.deliveries).toEqual({ success: 3, failed: 1 });
    expect(a.deliveryLatency.count).toBe(1);
  });

  it("round-trips through the DO's row form, omitting zero figures", () => {
    const s = emptySnapshot();
    s.requests["POST /webhooks/v2/task"] = { "201": histogramOf([3, 40, 900]) };
    s.tokens["tok-a"] = 3;
    s.sourceIps["203.0.113.7"] = 2;
    s.rateLimit.endpoint = { notify: 4 };
    s.rateLimitTokens["tok-b"] = 4;
    s.deliveries.retried = 1;
    observe(s.deliveryLatency, 12);
    const rows = toRows(s);
    expect(rows.every((r) => r.value !== 0)).toBe(true);
    expect(fromRows(rows)).toEqual(s);
  });

  it("ignores a key such as constructor as a plain key", () => {
    const s = emptySnapshot();
    const acc = new MetricsAccumulator();
    acc.recordRequest({ route: "GET /x", status: 200, durationMs: 1, tokenId: "constructor" });
    mergeSnapshot(s, acc.take()!);
    expect(s.tokens.constructor).toBe(1);
  });

  it("lists the heaviest keys first, ties by key", () => {
    expect(topEntries({ b: 2, a: 2, c: 5, d: 1 }, 3)).toEqual([
      ["c", 5],
      ["a", 2],
      ["b", 2],
    ]);
  });
});

describe("MetricsAccumulator", () => {
  it("is due after the request count or the interval, whichever comes first, and never when empty", () => {
    const c = clock();
    const acc = new MetricsAccumulator({ now: c.now });
    const policy = { intervalMs: 10_000, requests: 3 };
    expect(acc.due(policy)).toBe(false);
    acc.recordRequest({ route: "GET /x", status: 200, durationMs: 1 });
    acc.recordRequest({ route: "GET /x", status: 200, durationMs: 1 });
    expect(acc.due(policy)).toBe(false);
    acc.recordRequest({ route: "GET /x", status: 200, durationMs: 1 });
    expect(acc.due(policy)).toBe(true);
    acc.take();
    expect(acc.due(policy)).toBe(false);
    acc.recordDelivery("success", 5);
    c.advance(9_999);
    expect(acc.due(policy)).toBe(false);
    c.advance(1);
    expect(acc.due(policy)).toBe(true);
  });

  it("hands out the delta once and starts over", () => {
    const acc = new MetricsAccumulator();
    expect(acc.take()).toBeNull();
    acc.recordRequest({ route: "GET /x", status: 404, durationMs: 2, tokenId: "t", sourceIp: "2001:db8::1" });
    acc.recordRateLimitViolation("global", null, "task");
    const delta = acc.take()!;
    expect(delta.requests["GET /x"]!["404"]!.count).toBe(1);
    expect(delta.tokens).toEqual({ t: 1 });
    expect(delta.sourceIps).toEqual({ "2001:db8::1": 1 });
    expect(delta.rateLimit).toEqual({ global: { task: 1 } });
    expect(delta.rateLimitTokens).toEqual({});
    expect(acc.take()).toBeNull();
    expect(acc.pendingRequests).toBe(0);
  });

  it("only counts source addresses shaped like an IP literal", () => {
    const acc = new MetricsAccumulator();
    acc.recordRequest({ route: "GET /x", status: 200, durationMs: 1, sourceIp: "<script>" });
    acc.recordRequest({ route: "GET /x", status: 200, durationMs: 1, sourceIp: "198.51.100.2" });
    expect(acc.take()!.sourceIps).toEqual({ "198.51.100.2": 1 });
  });

  it("caps distinct keys per batch but keeps counting the ones it has", () => {
    const acc = new MetricsAccumulator({ maxKeys: 2 });
    for (const token of ["a", "b", "c", "a"]) acc.recordRequest({ route: "GET /x", status: 200, durationMs: 1, tokenId: token });
    const delta = acc.take()!;
    expect(delta.tokens).toEqual({ a: 2, b: 1 });
    expect(delta.requests["GET /x"]!["200"]!.count).toBe(4);
  });

  it("restores a failed batch so its figures leave with the next one", () => {
    const c = clock();
    const acc = new MetricsAccumulator({ now: c.now, maxKeys: 2 });
    acc.recordRequest({ route: "GET /x", status: 200, durationMs: 1, tokenId: "a" });
    const failed = acc.take()!;
    acc.recordRequest({ route: "GET /x", status: 200, durationMs: 1, tokenId: "b" });
    acc.recordRequest({ route: "GET /x", status: 200, durationMs: 1, tokenId: "b" });
    acc.restore(failed);
    acc.recordRequest({ route: "GET /x", status: 200, durationMs: 1, tokenId: "c" });
    const next = acc.take()!;
    expect(next.requests["GET /x"]!["200"]!.count).toBe(4);
    expect(next.tokens).toEqual({ a: 1, b: 2 });
  });
});

function sampleView(): MetricsView {
  const snapshot: MetricsSnapshot = emptySnapshot();
  snapshot.requests["POST /webhooks/v2/task"] = { "201": histogramOf([3, 4, 40]), "400": histogramOf([1]) };
  snapshot.requests["GET /webhooks/v2/tokens/:id"] = { "404": histogramOf([2]), "500": histogramOf([9]) };
  snapshot.tokens = { "tok-a": 4, admin: 2 };
  snapshot.sourceIps = { "203.0.113.7": 6 };
  snapshot.rateLimit = { token: { task: 2 }, endpoint: { notify: 1 } };
  snapshot.rateLimitTokens = { "tok-a": 2 };
  snapshot.deliveries = { success: 5, failed: 1, retried: 2 };
  snapshot.deliveryLatency = histogramOf([10, 20, 30, 40, 50, 60, 70, 31_000]);
  return { snapshot, since: Date.UTC(2026, 0, 1), updatedAt: Date.UTC(2026, 0, 2), generatedAt: Date.UTC(2026, 0, 3), top: 10, queue: null };
}

describe("metricsJson", () => {
  it("reports totals, error rates, violations by level and delivery outcomes", () => {
    const json = metricsJson(sampleView());
    expect(json.requests.total).toBe(6);
    expect(json.requests.byEndpoint["POST /webhooks/v2/task"]).toMatchObject({ count: 4, byStatus: { "201": 3, "400": 1 }, errors: 1, errorRate: 0.25 });
    expect(json.requests.byEndpoint["POST /webhooks/v2/task"]!.latencyMs.avg).toBe(12);
    expect(json.errors).toEqual({ total: 3, rate: 0.5, byStatus: { "400": 1, "404": 1, "500": 1 } });
    expect(json.rateLimit).toEqual({ violations: 3, byLevel: { global: 0, endpoint: 1, token: 2, tenant: 0 }, byEndpoint: { task: { token: 2 }, notify: { endpoint: 1 } }, topTokens: [{ tokenId: "tok-a", violations: 2 }] });
    expect(json.topTokens).toEqual([
      { tokenId: "tok-a", requests: 4 },
      { tokenId: "admin", requests: 2 },
    ]);
    expect(json.topSourceIps).toEqual([{ ip: "203.0.113.7", requests: 6 }]);
    expect(json.deliveries).toMatchObject({ total: 8, byOutcome: { success: 5, failed: 1, retried: 2 }, successRate: 0.8333 });
    expect(json.queue).toEqual({ depth: null, deadLetter: null });
    // successRate is over finished deliveries (as in /subscriptions/:id/stats): null until one finishes.
    const retriedOnly = sampleView();
    retriedOnly.snapshot.deliveries = { retried: 3 };
    expect(metricsJson(retriedOnly).deliveries.successRate).toBeNull();
    expect(json.window).toEqual({ since: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-02T00:00:00.000Z", generatedAt: "2026-01-03T00:00:00.000Z" });
  });

  it("shows zeros and nulls before any traffic", () => {
    const json = metricsJson({ snapshot: emptySnapshot(), since: null, updatedAt: null, generatedAt: 0, top: 10, queue: { depth: 3, deadLetter: 1 } });
    expect(json.requests).toEqual({ total: 0, latencyMs: { p50: null, p95: null, p99: null, avg: null }, byEndpoint: {} });
    expect(json.errors.rate).toBe(0);
    expect(json.deliveries.byOutcome).toEqual({ success: 0, failed: 0, retried: 0 });
    expect(json.queue).toEqual({ depth: 3, deadLetter: 1 });
  });
});

describe("prometheusText", () => {
  const text = prometheusText({ ...sampleView(), queue: { depth: 7, deadLetter: 2 } });
  const parsed = families(text);

  it("gives every family HELP and TYPE", () => {
    for (const line of text.split("\n").filter((l) => l.startsWith("# TYPE "))) {
      const name = line.split(" ")[2]!;
      expect(text).toContain(`# HELP ${name} `);
    }
    expect(parsed.get("edgehook_http_requests_total")!.type).toBe("COUNTER");
    expect(parsed.get("edgehook_queue_depth")!.type).toBe("GAUGE");
    expect(parsed.get("edgehook_http_request_duration_seconds")!.type).toBe("HISTOGRAM");
  });

  it("splits route labels and counts by status", () => {
    const samples = parsed.get("edgehook_http_requests_total")!.metrics;
    expect(samples).toContainEqual({ value: "3", labels: { method: "POST", route: "/webhooks/v2/task", status: "201" } });
    expect(samples).toContainEqual({ value: "1", labels: { method: "GET", route: "/webhooks/v2/tokens/:id", status: "500" } });
    expect(parsed.get("edgehook_http_errors_total")!.metrics).toEqual([
      { value: "1", labels: { status: "400" } },
      { value: "1", labels: { status: "404" } },
      { value: "1", labels: { status: "500" } },
    ]);
  });

  it("renders cumulative buckets in seconds with +Inf equal to the count and the sum in seconds", () => {
    const series = histogramSeries(text, "edgehook_http_request_duration_seconds", { method: "POST", route: "/webhooks/v2/task", status: "201" })!;
    expect(series.count).toBe("3");
    expect(Number(series.sum)).toBeCloseTo(0.047, 6);
    expect(series.buckets).toMatchObject({ "0.001": "0", "0.005": "2", "0.025": "2", "0.05": "3", "+Inf": "3" });
    const delivery = parsed.get("edgehook_delivery_duration_seconds")!.metrics[0]!;
    expect(delivery.count).toBe("8");
    expect(delivery.buckets).toMatchObject({ "30": "7", "+Inf": "8" });
  });

  it("labels violations, deliveries, top tokens and source addresses", () => {
    expect(parsed.get("edgehook_rate_limit_violations_total")!.metrics).toEqual([
      { value: "0", labels: { level: "global", endpoint: "" } },
      { value: "1", labels: { level: "endpoint", endpoint: "notify" } },
      { value: "2", labels: { level: "token", endpoint: "task" } },
      { value: "0", labels: { level: "tenant", endpoint: "" } },
    ]);
    expect(parsed.get("edgehook_deliveries_total")!.metrics).toEqual([
      { value: "5", labels: { outcome: "success" } },
      { value: "1", labels: { outcome: "failed" } },
      { value: "2", labels: { outcome: "retried" } },
    ]);
    expect(parsed.get("edgehook_token_requests_total")!.metrics[0]).toEqual({ value: "4", labels: { token: "tok-a" } });
    expect(parsed.get("edgehook_source_ip_requests_total")!.metrics).toEqual([{ value: "6", labels: { ip: "203.0.113.7" } }]);
    expect(parsed.get("edgehook_queue_depth")!.metrics).toEqual([{ value: "7" }]);
    expect(parsed.get("edgehook_dead_letters")!.metrics).toEqual([{ value: "2" }]);
  });

  it("escapes label values", () => {
    const s = emptySnapshot();
    s.tokens['we"ird\\id\n'] = 1;
    const out = prometheusText({ snapshot: s, since: null, updatedAt: null, generatedAt: 0, top: 5, queue: null });
    expect(out).toContain('edgehook_token_requests_total{token="we\\"ird\\\\id\\n"} 1');
    expect(families(out).get("edgehook_token_requests_total")!.metrics[0]!.labels!.token).toBe('we"ird\\id\n');
    expect(out).not.toContain("edgehook_queue_depth");
  });
});

describe("wantsPrometheus", () => {
  it("follows ?format=, then Accept", () => {
    expect(wantsPrometheus(undefined, undefined)).toBe(false);
    expect(wantsPrometheus("*/*", undefined)).toBe(false);
    expect(wantsPrometheus("text/plain", undefined)).toBe(true);
    expect(wantsPrometheus("application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1", undefined)).toBe(true);
    expect(wantsPrometheus("application/json, text/plain", undefined)).toBe(false);
    expect(wantsPrometheus("application/json", "prometheus")).toBe(true);
    expect(wantsPrometheus("text/plain", "json")).toBe(false);
  });
});
