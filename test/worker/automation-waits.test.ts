// wait_for_event and run controls in workerd: resume by a published event or POST /runs/:id/events, timeouts, pause/resume/terminate/restart.
import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { forgetCachedRules } from "../../src/automation/rule-store";
import { createRule, eventOfRun, publishEvent, runReaching } from "./automation-helpers";
import { call } from "./helpers";

afterEach(async () => {
  await env.DB.prepare("DELETE FROM rules").run();
  forgetCachedRules();
});

const WAIT_RULE = (prefix: string, timeout = "1 hour") => ({
  trigger: { events: [`${prefix}.order.created`] },
  steps: [
    { id: "approval", kind: "wait_for_event", event: `${prefix}.approval.*`, match: { all: [{ field: "data.orderId", operator: "equals", value: "{{data.orderId}}" }] }, timeout },
    { id: "emit", kind: "publish", type: `${prefix}.order.approved`, data: { orderId: "{{data.orderId}}", by: "{{steps.approval.output.payload.data.by}}" } },
  ],
});

async function waitsOf(runId: string) {
  return (await env.DB.prepare("SELECT * FROM run_waits WHERE run_id = ?").bind(runId).all<any>()).results;
}

describe("wait_for_event", () => {
  it("resumes when a matching event of the tenant is published (a non-matching one does not)", async () => {
    await using _introspector = await introspectWorkflow(env.RULE_RUNS);
    const ruleId = await createRule(WAIT_RULE("wa"));
    const eventId = await publishEvent("wa.order.created", { orderId: "o-7" });
    const runId = `${ruleId}-${eventId}`;
    const waiting = await runReaching(runId, ["waiting"]);
    expect(waiting.steps[0]).toMatchObject({ status: "waiting" });
    expect(await waitsOf(runId)).toHaveLength(1);
    await publishEvent("wa.approval.granted", { orderId: "o-other", by: "mallory" });
    await new Promise((r) => setTimeout(r, 300));
    expect((await call(`/runs/${runId}`)).json.data.status).toBe("waiting");
    const approval = await publishEvent("wa.approval.granted", { orderId: "o-7", by: "alice" });
    const run = await runReaching(runId, ["completed", "failed"]);
    expect(run.status).toBe("completed");
    expect(run.steps[0].output).toMatchObject({ type: "wa.approval.granted", eventId: approval, payload: { data: { orderId: "o-7", by: "alice" } } });
    const approved = await env.DB.prepare("SELECT data FROM events WHERE type = 'wa.order.approved'").first<string>("data");
    expect(JSON.parse(approved!)).toEqual({ orderId: "o-7", by: "alice" });
    expect(await waitsOf(runId)).toHaveLength(0);
  });

  it("resumes by POST /runs/:id/events; an event type no step waits for is 422", async () => {
    await using _introspector = await introspectWorkflow(env.RULE_RUNS);
    const ruleId = await createRule(WAIT_RULE("wb"));
    const eventId = await publishEvent("wb.order.created", { orderId: "o-8" });
    const runId = `${ruleId}-${eventId}`;
    await runReaching(runId, ["waiting"]);
    const wrong = await call(`/runs/${runId}/events`, { body: { type: "wb.other", payload: {} } });
    expect(wrong.status).toBe(422);
    expect(wrong.json.code).toBe("UNPROCESSABLE");
    const sent = await call(`/runs/${runId}/events`, { body: { type: "wb.approval.manual", payload: { data: { by: "bob" } } } });
    expect(sent.status, sent.text).toBe(202);
    expect(sent.json.data).toEqual({ runId, stepId: "approval", accepted: true });
    const run = await runReaching(runId, ["completed", "failed"]);
    expect(run.status).toBe("completed");
    expect(run.steps[0].output).toEqual({ type: "wb.approval.manual", payload: { data: { by: "bob" } } });
    expect(JSON.parse((await env.DB.prepare("SELECT data FROM events WHERE type = 'wb.order.approved'").first<string>("data"))!)).toEqual({ orderId: "o-8", by: "bob" });
  });

  it("fails the step and the run when the wait times out", async () => {
    await using introspector = await introspectWorkflow(env.RULE_RUNS);
    await introspector.modifyAll(async (m) => {
      await m.forceEventTimeout({ name: "approval" });
    });
    const ruleId = await createRule(WAIT_RULE("wc"));
    const eventId = await publishEvent("wc.order.created", { orderId: "o-9" });
    const runId = `${ruleId}-${eventId}`;
    const run = await runReaching(runId, ["completed", "failed"]);
    expect(run.status).toBe("failed");
    expect(run.steps[0].status).toBe("failed");
    expect(run.error).toContain("timed out");
    expect(await eventOfRun("workflow.failed", runId)).toMatchObject({ runId });
    expect(await waitsOf(runId)).toHaveLength(0);
  });
});

describe("run controls", () => {
  it("pauses, resumes, terminates and restarts a run through the API", async () => {
    await using _introspector = await introspectWorkflow(env.RULE_RUNS);
    const ruleId = await createRule(WAIT_RULE("wd"));
    const eventId = await publishEvent("wd.order.created", { orderId: "o-1" });
    const runId = `${ruleId}-${eventId}`;
    await runReaching(runId, ["waiting"]);
    const paused = await call(`/runs/${runId}/pause`, { method: "POST" });
    expect(paused.status, paused.text).toBe(200);
    expect(paused.json.data.status).toBe("paused");
    expect((await call(`/runs/${runId}/pause`, { method: "POST" })).status).toBe(422);
    const resumed = await call(`/runs/${runId}/resume`, { method: "POST" });
    expect(resumed.json.data.status).toBe("running");
    const terminated = await call(`/runs/${runId}/terminate`, { method: "POST" });
    expect(terminated.json.data.status).toBe("terminated");
    expect(terminated.json.data.endedAt).toBeDefined();
    expect(await waitsOf(runId)).toHaveLength(0);
    expect((await call(`/runs/${runId}/resume`, { method: "POST" })).status).toBe(422);
    const restarted = await call(`/runs/${runId}/restart`, { method: "POST" });
    expect(restarted.status, restarted.text).toBe(200);
    expect(restarted.json.data.steps.map((s: any) => s.status)).toEqual(["pending", "pending"]);
    // The restarted instance runs again from the start and waits again; the API resumes it.
    await runReaching(runId, ["waiting"]);
    expect((await call(`/runs/${runId}/events`, { body: { type: "wd.approval.ok", payload: { data: { by: "carol" } } } })).status).toBe(202);
    expect((await runReaching(runId, ["completed", "failed"])).status).toBe("completed");
  });
});
