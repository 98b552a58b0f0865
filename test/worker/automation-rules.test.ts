// The rules API through the real Worker: CRUD, validation, the rules scope, dry runs and built-in templates.
import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it } from "vitest";
import { forgetCachedRules } from "../../src/automation/rule-store";
import { call, createToken } from "./helpers";

// Rules made here must not start runs for other test files' events.
afterAll(async () => {
  await env.DB.prepare("DELETE FROM rules").run();
  forgetCachedRules();
});

const RULE = { name: "orders", trigger: { events: ["order.*"] }, steps: [{ id: "wait", kind: "delay", duration: "5s" }, { id: "post", kind: "http", url: "https://hooks.example.com/{{data.id}}", body: { id: "{{data.id}}", p: "{{params.p}}" } }], params: { p: 1 } };

describe("rules API", () => {
  it("creates (secret shown once), reads, lists, patches, replaces and deletes a rule", async () => {
    const created = await call("/rules", { body: RULE });
    expect(created.status, created.text).toBe(201);
    const id = created.json.data.id;
    expect(created.json.data).toMatchObject({ name: "orders", priority: 100, enabled: true, stopProcessing: false, trigger: { events: ["order.*"], filter: null }, template: null });
    expect(created.json.data.secret).toMatch(/^whsec_/);
    const read = await call(`/rules/${id}`);
    expect(read.status).toBe(200);
    expect(read.json.data.secret).toBeUndefined();
    expect(read.json.data.steps).toEqual(created.json.data.steps);
    const patched = await call(`/rules/${id}`, { method: "PATCH", body: { priority: 700, enabled: false } });
    expect(patched.json.data).toMatchObject({ priority: 700, enabled: false, name: "orders" });
    const list = await call("/rules?limit=100");
    expect(list.json.data.items.find((r: any) => r.id === id)).toMatchObject({ priority: 700 });
    const replaced = await call(`/rules/${id}`, { method: "PUT", body: { name: "orders v2", trigger: { events: ["order.paid"] }, steps: [{ id: "only", kind: "delay", duration: 1 }] } });
    expect(replaced.json.data).toMatchObject({ name: "orders v2", priority: 100, enabled: true, params: {} });
    expect((await call(`/rules/${id}`, { method: "DELETE" })).status).toBe(200);
    expect((await call(`/rules/${id}`)).status).toBe(404);
    expect((await call(`/rules/${id}`, { method: "DELETE" })).json.code).toBe("NOT_FOUND");
  });

  it("pages the list with a cursor", async () => {
    for (let i = 0; i < 3; i++) await call("/rules", { body: { ...RULE, name: `page ${i}` } });
    const first = await call("/rules?limit=2");
    expect(first.json.data.items).toHaveLength(2);
    const second = await call(`/rules?limit=2&cursor=${encodeURIComponent(first.json.data.nextCursor)}`);
    expect(second.json.data.items[0].id).not.toBe(first.json.data.items[1].id);
  });

  it("refuses bad rules with the schema error envelope naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ ...RULE, steps: [RULE.steps[0], RULE.steps[0]] }, "steps"],
      [{ ...RULE, steps: [{ id: "x", kind: "teleport" }] }, "steps.0.kind"],
      [{ ...RULE, trigger: { events: ["bad pattern!"] } }, "trigger.events.0"],
      [{ ...RULE, priority: -1 }, "priority"],
      [{ ...RULE, steps: [{ id: "d", kind: "delay", duration: "whenever" }] }, "steps.0.duration"],
      [{ ...RULE, steps: [{ id: "p", kind: "publish", type: "x.y", data: { a: "{{ data.( }}" } }] }, "steps.0.data.a"],
    ];
    for (const [body, field] of cases) {
      const res = await call("/rules", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.code).toBe("SCHEMA_VALIDATION_ERROR");
      expect(res.json.details.field).toBe(field);
    }
    const created = await call("/rules", { body: RULE });
    const patch = await call(`/rules/${created.json.data.id}`, { method: "PATCH", body: { steps: [] } });
    expect(patch.status).toBe(400);
  });

  it("needs the rules scope", async () => {
    const without = await createToken(["events"]);
    expect((await call("/rules", { token: without.key })).json.code).toBe("FORBIDDEN");
    expect((await call("/runs", { token: without.key })).status).toBe(403);
    const withScope = await createToken(["rules"]);
    expect((await call("/rules", { token: withScope.key })).status).toBe(200);
    expect((await call("/rules", { token: null })).status).toBe(401);
  });

  it("refuses publish steps in reserved namespaces or with templated types to non-admin tokens (403), on create, PATCH and PUT", async () => {
    const rules = await createToken(["rules"]);
    const forged = { name: "forger", trigger: { events: ["order.*"] }, steps: [{ id: "forge", kind: "publish", type: "stripe.invoice.paid", data: {} }] };
    const refused = await call("/rules", { token: rules.key, body: forged });
    expect(refused.status, refused.text).toBe(403);
    expect(refused.json).toMatchObject({ code: "FORBIDDEN", details: { field: "steps.forge.type" } });
    const templated = await call("/rules", { token: rules.key, body: { ...forged, steps: [{ id: "forge", kind: "publish", type: "{{data.kind}}", data: {} }] } });
    expect(templated.status).toBe(403);
    const allowed = await call("/rules", { token: rules.key, body: { ...forged, steps: [{ id: "ok", kind: "publish", type: "order.audited", data: {} }] } });
    expect(allowed.status, allowed.text).toBe(201);
    const id = allowed.json.data.id;
    const patched = await call(`/rules/${id}`, { method: "PATCH", token: rules.key, body: { steps: [{ id: "forge", kind: "publish", type: "system.health.restored", data: {} }] } });
    expect(patched.status).toBe(403);
    expect((await call(`/rules/${id}`, { method: "PUT", token: rules.key, body: forged })).status).toBe(403);
    expect((await call(`/rules/${id}`)).json.data.steps[0]).toMatchObject({ type: "order.audited" });
    expect((await call("/rules", { body: forged })).status).toBe(201);
  });

  it("dry-runs a rule: trigger verdict and steps rendered against the event, nothing sent", async () => {
    const created = await call("/rules", { body: { ...RULE, trigger: { events: ["order.*"], filter: { all: [{ field: "data.total", operator: "greater_than", value: 5 }] } } } });
    const id = created.json.data.id;
    const hit = await call(`/rules/${id}/test`, { body: { event: { type: "order.created", data: { id: "o-9", total: 9 } } } });
    expect(hit.status, hit.text).toBe(200);
    expect(hit.json.data.matched).toBe(true);
    expect(hit.json.data.steps[1]).toMatchObject({ url: "https://hooks.example.com/o-9", body: { id: "o-9", p: 1 } });
    const miss = await call(`/rules/${id}/test`, { body: { event: { type: "order.created", data: { id: "o-1", total: 1 } } } });
    expect(miss.json.data.matched).toBe(false);
    expect((await call(`/rules/${id}/test`, { body: { event: { type: "order created" } } })).status).toBe(400);
    const runs = await call(`/runs?rule=${id}`);
    expect(runs.json.data.items).toEqual([]);
  });

  it("lists the built-in templates and creates rules from them", async () => {
    const templates = await call("/rule-templates");
    expect(templates.json.data.items.map((t: any) => t.id)).toEqual(["pr_validation", "pr_revalidation", "pr_merged", "workflow_failure", "linear_task"]);
    const made = await call("/rules/from-template", { body: { template: "pr_validation", params: { validatorUrl: "https://validator.example.com/check", githubToken: "ghp_x" } } });
    expect(made.status, made.text).toBe(201);
    expect(made.json.data).toMatchObject({ template: "pr_validation", trigger: { events: ["github.pull_request"] }, params: { delay: "30s", statusContext: "edgehook/validation" } });
    expect(made.json.data.steps.map((s: any) => s.kind)).toEqual(["delay", "http", "http", "notify"]);
    // Credentials are write-only: hidden in every view, placeholders that name them stay visible.
    expect(made.json.data.params.githubToken).toBe("[REDACTED]");
    expect(made.json.data.steps[2].auth).toEqual({ type: "bearer", token: "{{params.githubToken}}" });
    expect(JSON.stringify((await call(`/rules/${made.json.data.id}`)).json)).not.toContain("ghp_x");
    const dry = await call(`/rules/${made.json.data.id}/test`, { body: { event: { type: "github.pull_request", data: { action: "opened" } } } });
    expect(dry.json.data.matched).toBe(true);
    expect(JSON.stringify(dry.json)).not.toContain("ghp_x");
    expect(made.json.data.steps[2].url).toBe("https://api.github.com/repos/{{data.repository.full_name}}/statuses/{{data.pull_request.head.sha}}");
    const missing = await call("/rules/from-template", { body: { template: "pr_validation", params: { githubToken: "x" } } });
    expect(missing.status).toBe(400);
    expect(missing.json.details.field).toBe("params.validatorUrl");
    expect((await call("/rules/from-template", { body: { template: "nope", params: {} } })).status).toBe(404);
  });

  it("lists workflow.started/completed/failed in the event catalogue and the routes in the OpenAPI document", async () => {
    const items = (await call("/event-types")).json.data.items;
    for (const type of ["workflow.started", "workflow.completed", "workflow.failed"]) expect(items.find((t: any) => t.type === type)?.example).toHaveProperty("runId");
    const doc = await call("/openapi.json", { token: null });
    for (const path of ["/rules", "/rules/{id}", "/rules/{id}/test", "/rule-templates", "/rules/from-template", "/runs", "/runs/{id}", "/runs/{id}/events", "/runs/{id}/pause", "/runs/{id}/resume", "/runs/{id}/terminate", "/runs/{id}/restart"]) {
      expect(doc.json.paths[`/webhooks/v2${path}`], path).toBeDefined();
    }
  });

  it("refuses rules too large for a D1 row and run controls the instance cannot take (422, not 500)", async () => {
    const big = await call("/rules", { body: { ...RULE, steps: [{ id: "h", kind: "http", url: "https://x.example.com", body: { blob: "x".repeat(70_000) } }] } });
    expect(big.status).toBe(400);
    expect(big.json.details.field).toBe("steps");
    expect((await call("/rules", { body: { ...RULE, params: { blob: "x".repeat(20_000) } } })).json.details.field).toBe("params");
    await env.DB.prepare("INSERT INTO runs (id, rule_id, event_id, status, steps, started_at, updated_at) VALUES ('rule-x-evt-orphan', 'rule-x', 'evt-orphan', 'running', '[]', 1, 1)").run();
    const paused = await call("/runs/rule-x-evt-orphan/pause", { method: "POST" });
    expect(paused.status, paused.text).toBe(422);
    expect(paused.json.code).toBe("UNPROCESSABLE");
    expect((await call("/runs/rule-x-evt-orphan")).json.data.status).toBe("running");
  });

  it("answers unknown runs with 404 and bad run queries with 400", async () => {
    expect((await call("/runs/nope")).status).toBe(404);
    expect((await call("/runs/nope/pause", { method: "POST" })).status).toBe(404);
    expect((await call("/runs?status=sleeping")).status).toBe(400);
    expect((await call("/runs/nope/events", { body: { type: "x.y" } })).status).toBe(404);
  });
});
