// Tenant isolation of tasks, notifications, research, rules, runs, inspectors, /status and /metrics (issue 13): another tenant's id is 404, lists and figures are per tenant.
import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { forgetCachedRules } from "../../src/automation/rule-store";
import { runReaching } from "./automation-helpers";
import { call } from "./helpers";

const A = `ta-${crypto.randomUUID().slice(0, 8)}`;
const B = `tb-${crypto.randomUUID().slice(0, 8)}`;
const SCOPES = ["task", "notify", "research", "rules", "subscriptions", "events", "metrics"];
const keys: Record<string, string> = {};
const tokenIds: Record<string, string> = {};

/** A call as tenant `tenant`'s token. */
const as = (tenant: string, path: string, options: Parameters<typeof call>[1] = {}) => call(path, { ...options, token: keys[tenant]! });
const task = (title: string, priority = "medium") => ({ action: "add_task", task: title, priority });

beforeAll(async () => {
  for (const id of [A, B]) {
    await env.DB.prepare("INSERT OR IGNORE INTO tenants (id, name, created_at, updated_at) VALUES (?, ?, 0, 0)").bind(id, `Tenant ${id}`).run();
    const res = await call("/tokens", { body: { name: `token of ${id}`, type: "custom", endpoints: SCOPES, tenantId: id } });
    expect(res.status, res.text).toBe(201);
    keys[id] = res.json.data.key;
    tokenIds[id] = res.json.data.id;
  }
});

describe("tasks per tenant", () => {
  it("queues each tenant's tasks in its own queue and hides them from other tenants", async () => {
    const a1 = (await as(A, "/task", { body: task("tenant A's first task", "high") })).json.data;
    const a2 = (await as(A, "/task", { body: task("tenant A's second task", "high") })).json.data;
    const b1 = await as(B, "/task", { body: task("tenant B's first task", "low") });
    expect(b1.status, b1.text).toBe(201);
    // B's low task is first in B's queue although A has two high ones pending.
    expect(b1.json.data.position).toBe(0);
    expect(a2.position).toBe(a1.position + 1);
    const own = await as(A, `/task/${a1.id}/status`);
    expect(own.status).toBe(200);
    expect(own.json.data).toMatchObject({ tenantId: A, position: a1.position });
    expect((await as(B, `/task/${a1.id}/status`)).status).toBe(404);
    const foreign = await as(B, `/task/${a1.id}`, { method: "PATCH", body: { status: "running" } });
    expect(foreign.status).toBe(404);
    expect(foreign.json.code).toBe("NOT_FOUND");
    expect((await as(A, `/task/${a1.id}/status`)).json.data.status).toBe("pending");
    // The admin sees it; acting in B (X-Tenant-ID) it does not.
    expect((await call(`/task/${a1.id}/status`)).json.data.tenantId).toBe(A);
    expect((await call(`/task/${a1.id}/status`, { headers: { "X-Tenant-ID": B } })).status).toBe(404);
    // The admin finishing A's task publishes task.completed in A.
    expect((await call(`/task/${a1.id}`, { method: "PATCH", body: { status: "completed", result: "ok" } })).status).toBe(200);
    const event = await env.DB.prepare("SELECT tenant_id FROM events WHERE type = 'task.completed' AND json_extract(data, '$.taskId') = ?").bind(a1.id).first<string>("tenant_id");
    expect(event).toBe(A);
    const queue = await env.DB.prepare("SELECT tenant_id, priority_rank, pending FROM task_queue WHERE tenant_id IN (?, ?) ORDER BY tenant_id, priority_rank").bind(A, B).all();
    expect(queue.results).toEqual([
      { tenant_id: A, priority_rank: 0, pending: 1 },
      { tenant_id: B, priority_rank: 2, pending: 1 },
    ]);
  });
});

describe("research per tenant", () => {
  it("answers 404 to another tenant's read and completion", async () => {
    const started = await as(A, "/research", { body: { action: "start_research", topic: "Tenant isolation", depth: 1, format: "markdown" } });
    expect(started.status, started.text).toBe(201);
    const id = started.json.data.researchId;
    expect((await as(B, `/research/${id}/status`)).status).toBe(404);
    expect((await as(B, `/research/${id}/complete`, { body: { report: "stolen" } })).status).toBe(404);
    const done = await call(`/research/${id}/complete`, { body: { report: "the report" } });
    expect(done.status, done.text).toBe(200);
    expect(done.json.data).toMatchObject({ tenantId: A, status: "completed" });
    const event = await env.DB.prepare("SELECT tenant_id FROM events WHERE type = 'research.completed' AND json_extract(data, '$.researchId') = ?").bind(id).first<string>("tenant_id");
    expect(event).toBe(A);
    expect((await as(A, `/research/${id}/status`)).json.data.report).toBe("the report");
  });
});

describe("notifications per tenant", () => {
  it("looks channels up in the sender's tenant and hides notifications from other tenants", async () => {
    const name = `ops-${A}`;
    const created = await call("/channels", { body: { name, type: "webhook", url: "https://hooks.example.com/notify" } });
    expect(created.status, created.text).toBe(201);
    // Move the channel and its subscription into tenant A (the channels routes are another area's).
    await env.DB.batch([
      env.DB.prepare("UPDATE subscriptions SET tenant_id = ? WHERE id = ?").bind(A, created.json.data.subscriptionId),
      env.DB.prepare("UPDATE channels SET tenant_id = ? WHERE name = ?").bind(A, name),
    ]);
    const refused = await as(B, "/notify", { body: { action: "send_notification", priority: "P2", title: "hello", body: "from B", channels: [name] } });
    expect(refused.status, refused.text).toBe(422);
    const sent = await as(A, "/notify", { body: { action: "send_notification", priority: "P2", title: "hello", body: "from A", channels: [name] } });
    expect(sent.status, sent.text).toBe(201);
    expect(sent.json.data.channels[name].status).toBe("queued");
    const id = sent.json.data.notificationId;
    const read = await as(A, `/notify/${id}`);
    expect(read.status).toBe(200);
    expect(read.json.data.tenantId).toBe(A);
    expect((await as(B, `/notify/${id}`)).status).toBe(404);
    const row = await env.DB.prepare("SELECT tenant_id FROM notifications WHERE id = ?").bind(id).first<string>("tenant_id");
    expect(row).toBe(A);
  });
});

describe("rules and runs per tenant", () => {
  it("runs only the event's tenant's rules and hides rules and runs across tenants", async () => {
    const rule = (tenant: string) => as(tenant, "/rules", { body: { name: `rule of ${tenant}`, trigger: { events: ["tn.ping"] }, steps: [{ id: "wait", kind: "delay", duration: 0 }] } });
    const ruleA = (await rule(A)).json.data;
    const ruleB = (await rule(B)).json.data;
    expect(ruleA.tenantId).toBe(A);
    expect(ruleB.tenantId).toBe(B);
    forgetCachedRules();
    const published = await as(A, "/events", { body: { type: "tn.ping", data: { n: 1 } } });
    expect(published.status, published.text).toBe(201);
    const eventId = published.json.data.id;
    const runA = `${ruleA.id}-${eventId}`;
    expect((await runReaching(runA, ["completed"])).tenantId).toBe(A);
    // Tenant B's rule on the same trigger never ran on tenant A's event.
    expect((await call(`/runs/${ruleB.id}-${eventId}`)).status).toBe(404);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM runs WHERE rule_id = ?").bind(ruleB.id).first<number>("n")).toBe(0);
    expect(await env.DB.prepare("SELECT tenant_id FROM runs WHERE id = ?").bind(runA).first<string>("tenant_id")).toBe(A);

    const listB = (await as(B, "/rules?limit=100")).json.data.items.map((r: { id: string }) => r.id);
    expect(listB).toContain(ruleB.id);
    expect(listB).not.toContain(ruleA.id);
    expect((await as(B, `/rules/${ruleA.id}`)).status).toBe(404);
    expect((await as(B, `/rules/${ruleA.id}`, { method: "PATCH", body: { enabled: false } })).status).toBe(404);
    expect((await as(B, `/rules/${ruleA.id}/test`, { body: { event: { type: "tn.ping", data: {} } } })).status).toBe(404);
    expect((await as(B, `/rules/${ruleA.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await as(A, `/rules/${ruleA.id}`)).status).toBe(200);

    expect((await as(B, `/runs/${runA}`)).status).toBe(404);
    expect((await as(B, `/runs/${runA}/restart`, { method: "POST" })).status).toBe(404);
    expect((await as(B, "/runs?limit=100")).json.data.items.map((r: { id: string }) => r.id)).not.toContain(runA);
    expect((await as(A, "/runs?limit=100")).json.data.items.map((r: { id: string }) => r.id)).toContain(runA);
    // The admin without X-Tenant-ID sees every tenant's rules, each with its tenantId.
    const all = (await call("/rules?limit=100")).json.data.items.filter((r: { id: string }) => r.id === ruleA.id || r.id === ruleB.id);
    expect(all.map((r: { tenantId: string }) => r.tenantId).sort()).toEqual([A, B].sort());
  });
});

describe("waits per tenant", () => {
  it("resumes a run's wait only by an event of the run's tenant", async () => {
    await using _introspector = await introspectWorkflow(env.RULE_RUNS);
    const created = await as(A, "/rules", {
      body: {
        name: "A waits for approval",
        trigger: { events: ["tw.order.created"] },
        steps: [{ id: "approval", kind: "wait_for_event", event: "tw.approval.*", match: { all: [{ field: "data.orderId", operator: "equals", value: "{{data.orderId}}" }] }, timeout: "1 hour" }],
      },
    });
    expect(created.status, created.text).toBe(201);
    forgetCachedRules();
    const eventId = (await as(A, "/events", { body: { type: "tw.order.created", data: { orderId: "o-1" } } })).json.data.id;
    const runId = `${created.json.data.id}-${eventId}`;
    await runReaching(runId, ["waiting"]);
    expect(await env.DB.prepare("SELECT tenant_id FROM run_waits WHERE run_id = ?").bind(runId).first<string>("tenant_id")).toBe(A);
    // The same approval from tenant B does not resume tenant A's run, nor does B's POST /runs/:id/events.
    expect((await as(B, "/events", { body: { type: "tw.approval.granted", data: { orderId: "o-1" } } })).status).toBe(201);
    expect((await as(B, `/runs/${runId}/events`, { body: { type: "tw.approval.granted", payload: {} } })).status).toBe(404);
    await new Promise((r) => setTimeout(r, 300));
    expect((await call(`/runs/${runId}`)).json.data.status).toBe("waiting");
    const approval = (await as(A, "/events", { body: { type: "tw.approval.granted", data: { orderId: "o-1" } } })).json.data.id;
    const run = await runReaching(runId, ["completed", "failed"]);
    expect(run.status).toBe("completed");
    expect(run.steps[0].output).toMatchObject({ eventId: approval });
  });
});

describe("inspectors per tenant", () => {
  it("keeps a tenant's bins and their captured requests to that tenant", async () => {
    const bin = (await as(A, "/inspectors", { body: { name: "A's bin" } })).json.data;
    expect(bin.tenantId).toBe(A);
    const captured = await call(`/inspect/${bin.id}/hook?x=1`, { token: null, body: { hello: "world" } });
    expect(captured.status, captured.text).toBe(200);
    const requestId = captured.json.data.requestId;
    expect(await env.DB.prepare("SELECT tenant_id FROM inspector_requests WHERE id = ?").bind(requestId).first<string>("tenant_id")).toBe(A);
    const own = await as(A, `/inspectors/${bin.id}/requests`);
    expect(own.json.data.items.map((r: { id: string; tenantId: string }) => [r.id, r.tenantId])).toEqual([[requestId, A]]);
    expect((await as(B, "/inspectors")).json.data.items.map((i: { id: string }) => i.id)).not.toContain(bin.id);
    expect((await as(A, "/inspectors")).json.data.items.map((i: { id: string }) => i.id)).toContain(bin.id);
    expect((await as(B, `/inspectors/${bin.id}/requests`)).status).toBe(404);
    expect((await as(B, `/inspectors/${bin.id}/requests/${requestId}`)).status).toBe(404);
    expect((await as(B, `/inspectors/${bin.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await as(A, `/inspectors/${bin.id}/requests/${requestId}`)).status).toBe(200);
  });
});

describe("status and metrics per tenant", () => {
  it("counts a tenant's requests in its own figures only", async () => {
    // A route only tenant A calls.
    for (let i = 0; i < 3; i++) expect((await as(A, "/rule-templates")).status).toBe(200);
    const route = "GET /webhooks/v2/rule-templates";
    const statusA = (await as(A, "/status")).json.data;
    const statusB = (await as(B, "/status")).json.data;
    expect(statusA.tenantId).toBe(A);
    expect(statusB.tenantId).toBe(B);
    expect(statusA.endpoints[route]?.count).toBeGreaterThanOrEqual(3);
    expect(statusB.endpoints[route]).toBeUndefined();
    expect(statusA.aggregate.endpoints[route]?.count).toBeGreaterThanOrEqual(3);
    expect(statusB.aggregate.endpoints[route]).toBeUndefined();
    const admin = (await call("/status")).json.data;
    expect(admin.tenantId).toBeNull();
    expect(admin.requestCount).toBeGreaterThan(statusB.requestCount);

    const metricsA = (await as(A, "/metrics")).json.data;
    const metricsB = (await as(B, "/metrics")).json.data;
    expect(metricsA.requests.byEndpoint[route]?.count).toBeGreaterThanOrEqual(3);
    expect(metricsB.requests.byEndpoint[route]).toBeUndefined();
    // B's queue holds its own deliveries only (none: no subscription of B exists).
    expect(metricsB.queue).toEqual({ depth: 0, deadLetter: 0 });
    const tokensB = metricsB.topTokens.map((t: { tokenId: string }) => t.tokenId);
    expect(tokensB).toContain(tokenIds[B]);
    expect(tokensB).not.toContain(tokenIds[A]);
    expect((await call("/metrics")).json.data.topTokens.map((t: { tokenId: string }) => t.tokenId)).toEqual(expect.arrayContaining([tokenIds[A], tokenIds[B]]));
  });
});
