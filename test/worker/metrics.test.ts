// GET /metrics through the real Worker and Metrics DO: exact counts after a known sequence, Prometheus text parsed back.
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { flushNow, recordDelivery, recordRateLimitViolation } from "../../src/ops/metrics";
import { emptySnapshot, observe } from "../../src/ops/metrics-model";
import { families as parseFamilies, histogramSeries } from "../prometheus";
import { ADMIN_TOKEN, BASE, call, createToken } from "./helpers";

const TASK = { action: "add_task", task: "count this task in the metrics" };
const TASK_ROUTE = "POST /webhooks/v2/task";

async function metrics() {
  const res = await call("/metrics");
  expect(res.status).toBe(200);
  return res.json.data;
}

const app = createApp();

/** POST /task through an app whose env has `vars` on top, waiting for its background work; returns the status. */
async function postTaskWith(vars: Record<string, string>) {
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`${BASE}/task`, { method: "POST", headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" }, body: JSON.stringify(TASK) }),
    { ...env, ...vars },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res.status;
}

const countOf = (data: any, route: string, status: string): number => data.requests.byEndpoint[route]?.byStatus[status] ?? 0;
const tokenCount = (data: any, tokenId: string): number => data.topTokens.find((t: any) => t.tokenId === tokenId)?.requests ?? 0;
const ipCount = (data: any, ip: string): number => data.topSourceIps.find((t: any) => t.ip === ip)?.requests ?? 0;

describe("GET /metrics (JSON)", () => {
  it("counts a known sequence of requests exactly, by endpoint, status, token and source address", async () => {
    const token = await createToken(["task"]);
    const before = await metrics();
    const ip = { "CF-Connecting-IP": "203.0.113.7" };
    for (let i = 0; i < 3; i++) expect((await call("/task", { body: TASK, token: token.key, headers: ip })).status).toBe(201);
    for (let i = 0; i < 2; i++) expect((await call("/task", { body: { action: "add_task", task: "short" }, token: token.key, headers: ip })).status).toBe(400);
    expect((await call("/task", { body: TASK, token: null, headers: { "CF-Connecting-IP": "198.51.100.2" } })).status).toBe(401);
    expect((await call("/nowhere")).status).toBe(404);
    const after = await metrics();

    expect(countOf(after, TASK_ROUTE, "201") - countOf(before, TASK_ROUTE, "201")).toBe(3);
    expect(countOf(after, TASK_ROUTE, "400") - countOf(before, TASK_ROUTE, "400")).toBe(2);
    expect(countOf(after, TASK_ROUTE, "401") - countOf(before, TASK_ROUTE, "401")).toBe(1);
    // The first read itself (GET /metrics, 200) is counted once it has finished: it shows in the second read.
    expect(countOf(after, "GET /webhooks/v2/metrics", "200") - countOf(before, "GET /webhooks/v2/metrics", "200")).toBe(1);
    expect(after.requests.total - before.requests.total).toBe(3 + 2 + 1 + 1 + 1);
    expect(after.errors.byStatus["400"] - (before.errors.byStatus["400"] ?? 0)).toBe(2);
    expect(after.errors.byStatus["401"] - (before.errors.byStatus["401"] ?? 0)).toBe(1);
    expect(after.errors.byStatus["404"] - (before.errors.byStatus["404"] ?? 0)).toBe(1);
    expect(after.errors.total - before.errors.total).toBe(4);
    expect(tokenCount(after, token.id) - tokenCount(before, token.id)).toBe(5);
    expect(ipCount(after, "203.0.113.7") - ipCount(before, "203.0.113.7")).toBe(5);
    expect(ipCount(after, "198.51.100.2") - ipCount(before, "198.51.100.2")).toBe(1);

    const task = after.requests.byEndpoint[TASK_ROUTE];
    expect(task.count).toBe(Object.values(task.byStatus as Record<string, number>).reduce((a, b) => a + b, 0));
    expect(task.errorRate).toBeCloseTo(task.errors / task.count, 4);
    for (const q of ["p50", "p95", "p99"]) expect(typeof task.latencyMs[q]).toBe("number");
    expect(task.latencyMs.p50).toBeLessThanOrEqual(task.latencyMs.p99);
    expect(after.window.since).not.toBeNull();
  });

  it("sums what other isolates flushed into the Metrics DO with this isolate's figures", async () => {
    const before = await metrics();
    // Another isolate's batch, exactly as its accumulator would send it.
    const other = emptySnapshot();
    other.requests[TASK_ROUTE] = { "201": { count: 0, sumMs: 0, buckets: new Array(15).fill(0) } };
    for (const ms of [3, 40, 900]) observe(other.requests[TASK_ROUTE]!["201"]!, ms);
    other.tokens["tok-elsewhere"] = 3;
    await env.METRICS.get(env.METRICS.idFromName("global")).ingest(other);
    expect((await call("/task", { body: TASK })).status).toBe(201);
    const after = await metrics();
    expect(countOf(after, TASK_ROUTE, "201") - countOf(before, TASK_ROUTE, "201")).toBe(4);
    expect(tokenCount(after, "tok-elsewhere")).toBe(3);
  });

  it("counts rate-limit violations by level and deliveries by outcome recorded through the module API", async () => {
    const before = await metrics();
    recordRateLimitViolation("token", "tok-noisy", "task");
    recordRateLimitViolation("token", "tok-noisy", "task");
    recordRateLimitViolation("endpoint", "tok-other", "notify");
    recordRateLimitViolation("global", null, "task");
    recordDelivery("success", 12);
    recordDelivery("success", 40);
    recordDelivery("retried", 30_000);
    recordDelivery("failed", 250);
    await flushNow(env);
    const after = await metrics();
    expect(after.rateLimit.violations - before.rateLimit.violations).toBe(4);
    expect(after.rateLimit.byLevel.token - before.rateLimit.byLevel.token).toBe(2);
    expect(after.rateLimit.byLevel.endpoint - before.rateLimit.byLevel.endpoint).toBe(1);
    expect(after.rateLimit.byLevel.global - before.rateLimit.byLevel.global).toBe(1);
    expect(after.rateLimit.byEndpoint.task.token - (before.rateLimit.byEndpoint.task?.token ?? 0)).toBe(2);
    expect(after.rateLimit.topTokens[0]).toEqual({ tokenId: "tok-noisy", violations: 2 + (before.rateLimit.topTokens.find((t: any) => t.tokenId === "tok-noisy")?.violations ?? 0) });
    expect(after.deliveries.byOutcome.success - before.deliveries.byOutcome.success).toBe(2);
    expect(after.deliveries.byOutcome.retried - before.deliveries.byOutcome.retried).toBe(1);
    expect(after.deliveries.byOutcome.failed - before.deliveries.byOutcome.failed).toBe(1);
    expect(after.deliveries.total - before.deliveries.total).toBe(4);
    expect(after.deliveries.latencyMs.p50).toBeGreaterThan(0);
    expect(after.deliveries.latencyMs.p99).toBeLessThanOrEqual(30_000);
  });

  it("flushes a due batch in the background (ctx.waitUntil) without a read asking for it", async () => {
    const stub = env.METRICS.get(env.METRICS.idFromName("global"));
    await flushNow(env);
    const before = (await stub.read(10)).snapshot.requests[TASK_ROUTE]?.["201"]?.count ?? 0;
    for (let i = 0; i < 3; i++) expect(await postTaskWith({ METRICS_FLUSH_REQUESTS: "1" })).toBe(201);
    // Read the DO directly: nothing here flushes this isolate, so the figures arrived by themselves.
    expect((await stub.read(10)).snapshot.requests[TASK_ROUTE]!["201"]!.count - before).toBe(3);
  });

  it("does not count requests when METRICS_ENABLED=false", async () => {
    const before = await metrics();
    for (let i = 0; i < 2; i++) expect(await postTaskWith({ METRICS_ENABLED: "false" })).toBe(201);
    const after = await metrics();
    expect(countOf(after, TASK_ROUTE, "201")).toBe(countOf(before, TASK_ROUTE, "201"));
  });

  it("needs the admin scope", async () => {
    const token = await createToken(["task", "tokens"]);
    expect((await call("/metrics", { token: token.key })).status).toBe(403);
    expect((await call("/metrics", { token: null })).status).toBe(401);
  });

  it("rejects a bad format or top with 400", async () => {
    expect((await call("/metrics?format=xml")).json.code).toBe("SCHEMA_VALIDATION_ERROR");
    expect((await call("/metrics?top=0")).json.code).toBe("SCHEMA_VALIDATION_ERROR");
  });
});

describe("GET /metrics (Prometheus text)", () => {
  it("serves the text format for Accept: text/plain and ?format=prometheus, parseable and equal to the JSON figures", async () => {
    for (let i = 0; i < 2; i++) await call("/task", { body: TASK });
    const viaAccept = await call("/metrics", { headers: { Accept: "text/plain" } });
    expect(viaAccept.status).toBe(200);
    expect(viaAccept.headers.get("Content-Type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(viaAccept.text).toMatch(/^# HELP edgehook_http_requests_total /m);
    expect(viaAccept.text).toMatch(/^# TYPE edgehook_http_request_duration_seconds histogram$/m);
    const json = await metrics();
    const viaQuery = await call("/metrics?format=prometheus");
    expect(viaQuery.headers.get("Content-Type")).toMatch(/^text\/plain/);

    const families = parseFamilies(viaQuery.text);
    expect(families.get("edgehook_http_requests_total")?.type).toBe("COUNTER");
    const requests = families.get("edgehook_http_requests_total")!.metrics;
    const task201 = requests.find((m) => m.labels?.route === "/webhooks/v2/task" && m.labels?.method === "POST" && m.labels?.status === "201");
    // viaQuery ran after `json`, so it also holds that GET /metrics; task counts are unchanged between them.
    expect(Number(task201?.value)).toBe(countOf(json, TASK_ROUTE, "201"));

    expect(families.get("edgehook_http_request_duration_seconds")!.type).toBe("HISTOGRAM");
    const taskHistogram = histogramSeries(viaQuery.text, "edgehook_http_request_duration_seconds", { method: "POST", route: "/webhooks/v2/task", status: "201" })!;
    expect(Number(taskHistogram.count)).toBe(countOf(json, TASK_ROUTE, "201"));
    // Object keys put integer-like bounds ("1", "10") first: order the bounds numerically.
    const bounds = Object.keys(taskHistogram.buckets!).sort((a, b) => Number(a.replace("+Inf", "Infinity")) - Number(b.replace("+Inf", "Infinity")));
    expect(bounds).toEqual(["0.001", "0.002", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "+Inf"]);
    const counts = bounds.map((b) => Number(taskHistogram.buckets![b]));
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]!);
    expect(Number(taskHistogram.buckets!["+Inf"])).toBe(Number(taskHistogram.count));
    expect(Number(taskHistogram.sum)).toBeGreaterThanOrEqual(0);

    const deliveryLatency = families.get("edgehook_delivery_duration_seconds")!.metrics[0]!;
    expect(Number(deliveryLatency.count)).toBe(json.deliveries.total);
    const deliveries = families.get("edgehook_deliveries_total")!;
    expect(deliveries.type).toBe("COUNTER");
    expect(deliveries.metrics.map((m) => m.labels?.outcome).sort()).toEqual(["failed", "retried", "success"]);
    expect(families.get("edgehook_delivery_duration_seconds")?.type).toBe("HISTOGRAM");
    expect(families.get("edgehook_rate_limit_violations_total")?.metrics.map((m) => m.labels?.level)).toEqual(expect.arrayContaining(["global", "endpoint", "token"]));
    const admin = families.get("edgehook_token_requests_total")!.metrics.find((m) => m.labels?.token === "admin");
    expect(Number(admin?.value)).toBeGreaterThan(0);
    for (const family of families.values()) expect(family.help.length).toBeGreaterThan(0);
  });

  it("keeps JSON when Accept asks for JSON", async () => {
    const res = await call("/metrics", { headers: { Accept: "application/json, text/plain" } });
    expect(res.headers.get("Content-Type")).toMatch(/application\/json/);
    expect(res.json.success).toBe(true);
  });
});

describe("GET /status and GET /health use the Metrics DO", () => {
  it("status adds cross-isolate per-endpoint averages", async () => {
    const before = (await call("/status")).json.data.aggregate;
    await call("/task", { body: TASK });
    const res = await call("/status");
    expect(res.status).toBe(200);
    const { aggregate, scope, endpoints } = res.json.data;
    expect(scope).toBe("isolate");
    expect(endpoints[TASK_ROUTE].count).toBeGreaterThanOrEqual(1);
    expect(aggregate.endpoints[TASK_ROUTE].count - (before.endpoints[TASK_ROUTE]?.count ?? 0)).toBe(1);
    expect(typeof aggregate.endpoints[TASK_ROUTE].avgResponseMs).toBe("number");
    expect(aggregate.endpoints[TASK_ROUTE].status).toBe("ok");
    expect(aggregate.requestCount).toBeGreaterThanOrEqual(aggregate.endpoints[TASK_ROUTE].count);
  });

  it("health reports degraded when the Metrics DO cannot be reached", async () => {
    const broken = { ...env, METRICS: { idFromName: () => ({}), get: () => ({ ping: () => Promise.reject(new Error("metrics down")) }) } };
    const ctx = createExecutionContext();
    const res = await createApp().fetch(new Request(`${BASE}/health`), broken as unknown as Env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.data.status).toBe("degraded");
    expect(body.data.checks.durableObjects).toMatchObject({ status: "error", error: "metrics down" });
  });
});

describe("queue figures", () => {
  it("reports queue depth and dead letters from the deliveries outbox", async () => {
    const before = (await metrics()).queue;
    const now = Date.now();
    const insert = (id: string, status: string, nextAt: number | null, deadAt: number | null) =>
      env.DB.prepare(
        "INSERT INTO deliveries (id, event_id, subscription_id, event_type, status, attempts, round_start, next_at, created_at, updated_at, dead_lettered_at) VALUES (?, ?, 'sub-q', 'q.test', ?, 0, 0, ?, ?, ?, ?)",
      ).bind(id, `evt-${id}`, status, nextAt, now, now, deadAt);
    await env.DB.batch([
      insert("dlv-q1", "pending", now, null),
      insert("dlv-q2", "retrying", now + 60_000, null),
      insert("dlv-q3", "pending", null, null), // held by a pause
      insert("dlv-q4", "success", null, null),
      insert("dlv-q5", "failed", null, now),
    ]);
    const after = (await metrics()).queue;
    expect(after.depth - (before.depth ?? 0)).toBe(3);
    expect(after.deadLetter - (before.deadLetter ?? 0)).toBe(1);
    const text = await (await app.fetch(new Request(`${BASE}/metrics?format=prometheus`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }), env, createExecutionContext())).text();
    expect(text).toMatch(new RegExp(`^edgehook_queue_depth ${after.depth}$`, "m"));
    expect(text).toMatch(new RegExp(`^edgehook_dead_letters ${after.deadLetter}$`, "m"));
  });
});

describe("the metrics scope", () => {
  it("lets a scraper's token read /metrics (JSON and Prometheus text) and nothing else", async () => {
    const { key } = await createToken(["metrics"]);
    expect((await call("/metrics", { token: key })).status).toBe(200);
    const text = await call("/metrics", { token: key, headers: { Accept: "text/plain" } });
    expect(text.status).toBe(200);
    expect(text.text).toContain("# TYPE");
    for (const [path, init] of [["/task", { body: TASK }], ["/subscriptions", {}], ["/audit", {}], ["/tokens", {}]] as const) {
      expect((await call(path, { token: key, ...init })).status, path).toBe(403);
    }
  });
});

describe("docs/grafana-dashboard.json", () => {
  it("queries only series that GET /metrics exports", async () => {
    const { default: dashboard } = await import("../../docs/grafana-dashboard.json");
    const exprs = dashboard.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr));
    const queried = new Set(exprs.flatMap((e: string) => e.match(/edgehook_[a-z_]+/g) ?? []));
    expect(queried.size).toBeGreaterThan(6);
    // Traffic of every kind the dashboard shows, then the exposition.
    await call("/task", { body: TASK });
    const res = await call("/metrics", { headers: { Accept: "text/plain" } });
    const exported = new Set([...parseFamilies(res.text).values()].flatMap((f) => (f.type === "HISTOGRAM" ? [`${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`] : [f.name])));
    expect([...queried].filter((name) => !exported.has(name))).toEqual([]);
  });
});
