// Operations against a real `wrangler dev`: exact metrics after known traffic, Prometheus text parsed back, audit rows, and
// retention run through `--test-scheduled` (GET /__scheduled) on a state seeded with old and recent rows.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyMigrations, executeD1, startWranglerDev } from "../../scripts/wrangler-dev.mjs";
import { families, histogramSeries } from "../prometheus.ts";

const url = inject("gatewayUrl");
const admin = inject("adminToken");
const TASK_ROUTE = "POST /webhooks/v2/task";

async function api(path: string, init: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  const token = init.token === undefined ? admin : init.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${url}/webhooks/v2${path}`, { method: init.method ?? (init.body === undefined ? "GET" : "POST"), headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text.startsWith("{") ? JSON.parse(text) : null };
}

const metrics = async () => (await api("/metrics")).json.data;
const count = (data: any, route: string, status: string): number => data.requests.byEndpoint[route]?.byStatus[status] ?? 0;

describe("metrics over HTTP", () => {
  it("counts a known sequence exactly and serves the same figures as Prometheus text", async () => {
    const created = await api("/tokens", { body: { name: "e2e metrics", endpoints: ["task"] } });
    expect(created.status).toBe(201);
    const key = created.json.data.key as string;
    const before = await metrics();
    for (let i = 0; i < 4; i++) expect((await api("/task", { token: key, body: { action: "add_task", task: `e2e metrics task number ${i}` } })).status).toBe(201);
    expect((await api("/task", { token: key, body: { action: "add_task", task: "tiny" } })).status).toBe(400);
    expect((await api("/task", { token: null, body: {} })).status).toBe(401);
    const after = await metrics();
    expect(count(after, TASK_ROUTE, "201") - count(before, TASK_ROUTE, "201")).toBe(4);
    expect(count(after, TASK_ROUTE, "400") - count(before, TASK_ROUTE, "400")).toBe(1);
    expect(count(after, TASK_ROUTE, "401") - count(before, TASK_ROUTE, "401")).toBe(1);
    expect(after.requests.total - before.requests.total).toBe(4 + 1 + 1 + 1);
    const mine = after.topTokens.find((t: any) => t.tokenId === created.json.data.id);
    expect(mine?.requests).toBe(5);

    const prom = await api("/metrics", { headers: { Accept: "text/plain" } });
    expect(prom.status).toBe(200);
    expect(prom.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const parsed = families(prom.text);
    const task201 = parsed.get("edgehook_http_requests_total")!.metrics.find((m) => m.labels?.method === "POST" && m.labels?.route === "/webhooks/v2/task" && m.labels?.status === "201");
    expect(Number(task201?.value)).toBe(count(after, TASK_ROUTE, "201"));
    const series = histogramSeries(prom.text, "edgehook_http_request_duration_seconds", { method: "POST", route: "/webhooks/v2/task", status: "201" })!;
    expect(Number(series.count)).toBe(count(after, TASK_ROUTE, "201"));
    expect(series.buckets!["+Inf"]).toBe(series.count);
    expect(parsed.get("edgehook_deliveries_total")!.type).toBe("COUNTER");
  });

  it("status reports cross-isolate averages and health pings the Metrics DO", async () => {
    const status = await api("/status");
    expect(status.json.data.aggregate.endpoints[TASK_ROUTE].avgResponseMs).toBeGreaterThanOrEqual(0);
    const health = await api("/health", { token: null });
    expect(health.json.data.checks.durableObjects.status).toBe("ok");
  });
});

describe("audit over HTTP", () => {
  it("lists the token actions with the request id the client sent", async () => {
    const created = await api("/tokens", { body: { name: "e2e audit", endpoints: ["notify"] }, headers: { "X-Request-ID": "e2e-audit-create" } });
    const id = created.json.data.id as string;
    await api(`/tokens/${id}`, { method: "DELETE", headers: { "X-Request-ID": "e2e-audit-delete" } });
    const rows = (await api(`/audit?target=${id}`)).json.data.items;
    expect(rows.map((r: any) => [r.action, r.requestId, r.actorTokenId])).toEqual([
      ["token.delete", "e2e-audit-delete", "admin"],
      ["token.create", "e2e-audit-create", "admin"],
    ]);
  });
});

describe("retention via wrangler dev --test-scheduled", () => {
  const DAY = 86_400_000;
  let state: string;
  let gateway: Awaited<ReturnType<typeof startWranglerDev>>;

  beforeAll(async () => {
    state = mkdtempSync(join(tmpdir(), "edgehook-retention-"));
    applyMigrations(state);
    const now = Date.now();
    const seed = join(state, "seed.sql");
    const event = (id: string, at: number) => `INSERT INTO events (id, type, data, metadata, created_at) VALUES ('${id}', 'test.retention', '{}', NULL, ${at});`;
    const audit = (id: string, at: number) => `INSERT INTO audit (id, action, actor_token_id, target_type, target_id, request_id, details, created_at) VALUES ('${id}', 'token.update', 'admin', 'token', 'tok-r', 'req-r', NULL, ${at});`;
    writeFileSync(
      seed,
      [event("evt-old-a", now - 45 * DAY), event("evt-old-b", now - 31 * DAY), event("evt-recent", now - 2 * DAY), audit("aud-old", now - 120 * DAY), audit("aud-recent", now - 60 * DAY)].join("\n"),
    );
    executeD1(state, { file: seed });
    // Migrations are already applied (above, before the seed).
    gateway = await startWranglerDev({ persistTo: state, schema: false, extraArgs: ["--test-scheduled"] });
  });

  afterAll(async () => {
    await gateway?.stop();
    rmSync(state, { recursive: true, force: true });
  });

  it("deletes exactly the rows past their retention when the cron fires", async () => {
    const fired = await fetch(`${gateway.url}/__scheduled?cron=*+*+*+*+*`);
    expect(fired.status).toBe(200);
    await fired.text();
    const res = await fetch(`${gateway.url}/webhooks/v2/audit?targetType=token&target=tok-r`, { headers: { Authorization: `Bearer ${gateway.adminToken}` } });
    const rows = ((await res.json()) as any).data.items.map((r: any) => r.id);
    expect(rows).toEqual(["aud-recent"]);
    const [events] = executeD1(state, { command: "SELECT id FROM events WHERE type = 'test.retention' ORDER BY id", json: true });
    expect(events.map((r: { id: string }) => r.id)).toEqual(["evt-recent"]);
  });
});
