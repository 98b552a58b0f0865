// Rule runs on Cloudflare Workflows inside workerd: started by publish, steps mirrored, conditions, retries, failures, depth.
import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { routePublished } from "../../src/automation/dispatch";
import { forgetCachedRules } from "../../src/automation/rule-store";
import { createRule, eventOfRun, publishEvent, runReaching } from "./automation-helpers";
import { call } from "./helpers";

afterEach(async () => {
  await env.DB.prepare("DELETE FROM rules").run();
  forgetCachedRules();
});

describe("runs started by publish", () => {
  it("a matching event starts one run whose steps complete and which emits workflow.started and workflow.completed", async () => {
    await using _introspector = await introspectWorkflow(env.RULE_RUNS);
    const ruleId = await createRule({
      trigger: { events: ["ra.order.*"], filter: { all: [{ field: "data.total", operator: "greater_than", value: 10 }] } },
      params: { label: "big" },
      steps: [
        { id: "check", kind: "condition", if: { all: [{ field: "data.total", operator: "greater_than", value: 10 }] } },
        { id: "emit", kind: "publish", type: "ra.flagged", data: { order: "{{data.orderId}}", label: "{{params.label}}", total: "{{data.total}}" } },
      ],
    });
    const eventId = await publishEvent("ra.order.created", { orderId: "o-1", total: 42 });
    const runId = `${ruleId}-${eventId}`;
    const run = await runReaching(runId, ["completed", "failed"]);
    expect(run.status).toBe("completed");
    expect(run).toMatchObject({ ruleId, eventId, depth: 0 });
    expect(run.endedAt).toBeDefined();
    expect(run.steps.map((s: any) => [s.id, s.status, s.attempts])).toEqual([["check", "completed", 1], ["emit", "completed", 1]]);
    expect(run.steps[0].output).toEqual({ result: true });
    const flagged = await env.DB.prepare("SELECT data, metadata FROM events WHERE id = ?").bind(run.steps[1].output.eventId).first<{ data: string; metadata: string }>();
    expect(JSON.parse(flagged!.data)).toEqual({ order: "o-1", label: "big", total: 42 });
    expect(JSON.parse(flagged!.metadata)).toMatchObject({ automationDepth: 1, runId, ruleId });
    expect(await eventOfRun("workflow.started", runId)).toEqual({ runId, ruleId, eventId });
    expect(await eventOfRun("workflow.completed", runId)).toEqual({ runId, ruleId, eventId });
    // A non-matching event (filter) starts nothing.
    const small = await publishEvent("ra.order.created", { orderId: "o-2", total: 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect((await call(`/runs/${ruleId}-${small}`)).status).toBe(404);
    const listed = await call(`/runs?rule=${ruleId}&status=completed`);
    expect(listed.json.data.items.map((r: any) => r.id)).toEqual([runId]);
  });

  it("walks rules by priority and stops at stopProcessing; the same event never starts a rule twice", async () => {
    await using _introspector = await introspectWorkflow(env.RULE_RUNS);
    const steps = [{ id: "noop", kind: "condition", if: { all: [{ field: "data.x", operator: "exists" }] } }];
    const low = await createRule({ trigger: { events: ["rb.*"] }, priority: 1, steps });
    const stop = await createRule({ trigger: { events: ["rb.*"] }, priority: 50, stopProcessing: true, steps });
    const high = await createRule({ trigger: { events: ["rb.*"] }, priority: 900, steps });
    const eventId = await publishEvent("rb.ping", { x: 1 });
    await runReaching(`${high}-${eventId}`, ["completed"]);
    await runReaching(`${stop}-${eventId}`, ["completed"]);
    expect((await call(`/runs/${low}-${eventId}`)).status).toBe(404);
    const row = await env.DB.prepare("SELECT * FROM events WHERE id = ?").bind(eventId).first<any>();
    await routePublished(env, [{ id: row.id, type: row.type, data: JSON.parse(row.data), createdAt: row.created_at, tenantId: row.tenant_id }]);
    const runs = await env.DB.prepare("SELECT COUNT(*) AS n FROM runs WHERE event_id = ?").bind(eventId).first<number>("n");
    expect(runs).toBe(2);
  });

  it("a false condition ends the run completed with the remaining steps skipped", async () => {
    await using _introspector = await introspectWorkflow(env.RULE_RUNS);
    const ruleId = await createRule({
      trigger: { events: ["rc.*"] },
      steps: [
        { id: "gate", kind: "condition", if: { all: [{ field: "data.approved", operator: "equals", value: true }] } },
        { id: "emit", kind: "publish", type: "rc.never", data: {} },
        { id: "later", kind: "delay", duration: "1 hour" },
      ],
    });
    const eventId = await publishEvent("rc.request", { approved: false });
    const run = await runReaching(`${ruleId}-${eventId}`, ["completed", "failed"]);
    expect(run.status).toBe("completed");
    expect(run.steps.map((s: any) => s.status)).toEqual(["completed", "skipped", "skipped"]);
    expect(run.steps[0].output).toEqual({ result: false });
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'rc.never'").first<number>("n")).toBe(0);
  });

  it("retries a failing http step per its retry policy, then succeeds (mocked step errors)", async () => {
    await using introspector = await introspectWorkflow(env.RULE_RUNS);
    await introspector.modifyAll(async (m) => {
      await m.disableRetryDelays();
      await m.mockStepError({ name: "call" }, new Error("validator down"), 2);
      await m.mockStepResult({ name: "call" }, { status: 200, headers: {}, body: { ok: true } });
    });
    const ruleId = await createRule({ trigger: { events: ["rd.*"] }, steps: [{ id: "call", kind: "http", url: "https://validator.example.com/x", retry: { limit: 2, delayMs: 1000, backoff: "constant" } }] });
    const eventId = await publishEvent("rd.go", {});
    const run = await runReaching(`${ruleId}-${eventId}`, ["completed", "failed"]);
    expect(run.status).toBe("completed");
    expect(run.steps[0]).toMatchObject({ status: "completed", output: { status: 200, body: { ok: true } } });
  });

  it("fails the run when a step's retries are exhausted, and emits workflow.failed with the error", async () => {
    await using introspector = await introspectWorkflow(env.RULE_RUNS);
    await introspector.modifyAll(async (m) => {
      await m.disableRetryDelays();
      await m.mockStepError({ name: "call" }, new Error("validator down"));
    });
    const ruleId = await createRule({ trigger: { events: ["re.*"] }, steps: [{ id: "call", kind: "http", url: "https://validator.example.com/x", retry: { limit: 1, delayMs: 10, backoff: "constant" } }, { id: "after", kind: "delay", duration: 1 }] });
    const eventId = await publishEvent("re.go", {});
    const runId = `${ruleId}-${eventId}`;
    const run = await runReaching(runId, ["completed", "failed"]);
    expect(run.status).toBe("failed");
    expect(run.error).toContain("step call failed");
    expect(run.error).toContain("validator down");
    expect(run.steps.map((s: any) => s.status)).toEqual(["failed", "pending"]);
    expect(await eventOfRun("workflow.failed", runId)).toMatchObject({ runId, ruleId, eventId, error: expect.stringContaining("validator down") });
    const [instance] = await introspector.get();
    await instance!.waitForStatus("errored");
  });

  it("times out a step that takes too long (forced step timeout) and fails the run", async () => {
    await using introspector = await introspectWorkflow(env.RULE_RUNS);
    await introspector.modifyAll(async (m) => {
      await m.forceStepTimeout({ name: "slow" });
    });
    const ruleId = await createRule({ trigger: { events: ["rt.*"] }, steps: [{ id: "slow", kind: "http", url: "https://slow.example.com/", timeoutMs: 500 }] });
    const eventId = await publishEvent("rt.go", {});
    const run = await runReaching(`${ruleId}-${eventId}`, ["completed", "failed"]);
    expect(run.status).toBe("failed");
    expect(run.steps[0].status).toBe("failed");
  });

  it("refuses a real http step to a refused destination at once (no retries)", async () => {
    await using _introspector = await introspectWorkflow(env.RULE_RUNS);
    const ruleId = await createRule({ trigger: { events: ["rf.*"] }, steps: [{ id: "call", kind: "http", url: "ftp://files.example.com/x", retry: { limit: 5, delayMs: 60_000, backoff: "constant" } }] });
    const eventId = await publishEvent("rf.go", {});
    const run = await runReaching(`${ruleId}-${eventId}`, ["completed", "failed"]);
    expect(run.status).toBe("failed");
    expect(run.steps[0]).toMatchObject({ status: "failed", attempts: 1, error: expect.stringContaining("destination refused") });
  });

  it("sleeps through a delay step (sleeps disabled) and mirrors it", async () => {
    await using introspector = await introspectWorkflow(env.RULE_RUNS);
    await introspector.modifyAll(async (m) => {
      await m.disableSleeps();
    });
    const ruleId = await createRule({ trigger: { events: ["rg.*"] }, steps: [{ id: "nap", kind: "delay", duration: "2 hours" }, { id: "emit", kind: "publish", type: "rg.done", data: { after: "nap" } }] });
    const eventId = await publishEvent("rg.go", {});
    const run = await runReaching(`${ruleId}-${eventId}`, ["completed", "failed"]);
    expect(run.status).toBe("completed");
    expect(run.steps.map((s: any) => s.status)).toEqual(["completed", "completed"]);
    expect(run.steps[0].startedAt).toBeDefined();
  });

  it("stops a chain of runs publishing events at depth 5", async () => {
    await using _introspector = await introspectWorkflow(env.RULE_RUNS);
    const ruleId = await createRule({ trigger: { events: ["rh.*"] }, steps: [{ id: "again", kind: "publish", type: "rh.next", data: {} }] });
    await publishEvent("rh.start", {});
    const deadline = Date.now() + 15_000;
    let rows: { depth: number; status: string; error: string | null }[] = [];
    while (Date.now() < deadline) {
      rows = (await env.DB.prepare("SELECT depth, status, error FROM runs WHERE rule_id = ? ORDER BY depth").bind(ruleId).all<any>()).results;
      if (rows.length === 6 && rows.every((r) => r.status === "completed" || r.status === "failed")) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(rows.map((r) => [r.depth, r.status])).toEqual([[0, "completed"], [1, "completed"], [2, "completed"], [3, "completed"], [4, "completed"], [5, "failed"]]);
    expect(rows[5]!.error).toContain("depth 6 exceeds 5");
  });
});
