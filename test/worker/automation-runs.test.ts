// Rule runs on Cloudflare Workflows inside workerd: started by publish, steps mirrored, conditions, retries, failures.
import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createRule, eventOfRun, publishEvent, runReaching } from "./automation-helpers";

describe("runs started by publish", () => {
  it("a matching event starts one run whose steps complete and which emits workflow.started and workflow.completed", async () => {
    await using introspector = await introspectWorkflow(env.RULE_RUNS);
    const ruleId = await createRule({
      trigger: { events: ["shop.order.*"], filter: { all: [{ field: "data.total", operator: "greater_than", value: 10 }] } },
      params: { label: "big" },
      steps: [
        { id: "check", kind: "condition", if: { all: [{ field: "data.total", operator: "greater_than", value: 10 }] } },
        { id: "emit", kind: "publish", type: "shop.order.flagged", data: { order: "{{data.orderId}}", label: "{{params.label}}", total: "{{data.total}}" } },
      ],
    });
    const eventId = await publishEvent("shop.order.created", { orderId: "o-1", total: 42 });
    const runId = `${ruleId}-${eventId}`;
    const run = await runReaching(runId, ["completed", "failed"]);
    expect(run.status).toBe("completed");
    expect(run.ruleId).toBe(ruleId);
    expect(run.eventId).toBe(eventId);
    expect(run.steps.map((s: any) => [s.id, s.status])).toEqual([["check", "completed"], ["emit", "completed"]]);
    expect(run.steps[0].output).toEqual({ result: true });
    const flagged = await env.DB.prepare("SELECT data, metadata FROM events WHERE id = ?").bind(run.steps[1].output.eventId).first<{ data: string; metadata: string }>();
    expect(JSON.parse(flagged!.data)).toEqual({ order: "o-1", label: "big", total: 42 });
    expect(JSON.parse(flagged!.metadata)).toMatchObject({ automationDepth: 1, runId, ruleId });
    expect(await eventOfRun("workflow.started", runId)).toEqual({ runId, ruleId, eventId });
    expect(await eventOfRun("workflow.completed", runId)).toEqual({ runId, ruleId, eventId });
    const instances = await introspector.get();
    expect(instances.length).toBeGreaterThanOrEqual(1);
  });
});
