/** The Workflow that runs a rule's steps: one step.do / step.sleep / step.waitForEvent per rule step, mirrored into the run row. */
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep, type WorkflowStepConfig } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import { getConfig } from "../config";
import { TenantDb } from "../tenants/tenant-db";
import type { WireEvent } from "../events/store";
import { openSecret } from "../lib/secret-box";
import { iso } from "../lib/time";
import { parseDuration } from "./duration";
import { DEPTH_KEY, type RunParams, type Step, type StepState, type StepStatus } from "./model";
import { conditionHolds, renderFilter, renderScope, renderStep } from "./render";
import { ruleSecret } from "./rule-store";
import { deleteWaitsStatement, insertWaitStatement, updateRunStatement, type RunUpdate } from "./run-store";
import { PermanentStepError, runHttp, runNotify, runPublish, type AutomationEffects } from "./step-kinds";
import { markWaitsOpen, waitEventType, type WaitPayload } from "./waits";

export type { RunParams } from "./model";

/** The Workflows step config of a rule step (no retry unless the step asks for one). */
export function stepConfig(step: Step): WorkflowStepConfig {
  const config: WorkflowStepConfig = { retries: { limit: step.retry?.limit ?? 0, delay: step.retry?.delayMs ?? 1000, backoff: step.retry?.backoff ?? "exponential" } };
  if (step.timeoutMs) config.timeout = step.timeoutMs;
  return config;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs one rule: the engine behind the RuleWorkflow class (effects come from the Worker entry). */
export async function runRule(env: Env, ctx: ExecutionContext, effects: AutomationEffects, run: RunParams, step: WorkflowStep): Promise<{ outputs: Record<string, unknown> }> {
  // The run's own rows, through its tenant (RunParams.tenantId: the triggering event's tenant).
  const db = TenantDb.of(env.DB, run.tenantId);
  const outputs: Record<string, unknown> = {};
  const states: StepState[] = run.steps.map((s) => ({ id: s.id, kind: s.kind, status: "pending", attempts: 0 }));
  const meta = { runId: run.runId, ruleId: run.ruleId, eventId: run.event.id };
  const eventMeta = { [DEPTH_KEY]: run.depth + 1, runId: run.runId, ruleId: run.ruleId };
  // Mirror writes: a step's state changes only forward, so a replay (after a sleep or a wait) rewrites nothing.
  const mirror = (index: number, patch: Partial<StepState>, update: Omit<RunUpdate, "now" | "step"> = {}, unless: StepStatus[] = []) => {
    states[index] = { ...states[index]!, ...patch };
    return updateRunStatement(db, run.runId, { ...update, now: Date.now(), step: { index, state: states[index]! }, unless: { index, statuses: unless } }).run();
  };

  await step.do("run.started", async () => {
    const statements = [updateRunStatement(db, run.runId, { status: "running", now: Date.now() })];
    await effects.publish(env, ctx, [{ tenantId: run.tenantId, type: "workflow.started", data: meta, metadata: eventMeta }], { statements });
    return true;
  });

  let index = 0;
  try {
    for (; index < run.steps.length; index++) {
      const def = run.steps[index]!;
      const scope = renderScope(run.event, run.params, outputs);
      const startedAt = iso(Date.now());
      if (def.kind === "delay") {
        // Marked once: a replay after the sleep finds it running and leaves its start time alone.
        await mirror(index, { status: "running", startedAt }, { status: "waiting" }, ["running", "completed"]);
        await step.sleep(def.id, parseDuration(def.duration) ?? 0);
        outputs[def.id] = null;
        await mirror(index, { status: "completed", endedAt: iso(Date.now()) }, { status: "running" }, ["completed"]);
        continue;
      }
      if (def.kind === "wait_for_event") {
        const timeoutMs = parseDuration(def.timeout) ?? 0;
        await step.do(`${def.id}.open`, async () => {
          const now = Date.now();
          const match = def.match ? renderFilter(def.match, scope) : null;
          await db.batch([
            insertWaitStatement(db, { runId: run.runId, stepId: def.id, pattern: def.event, match, now, expiresAt: now + timeoutMs }),
            updateRunStatement(db, run.runId, { status: "waiting", now, step: { index, state: { ...states[index]!, status: "waiting", startedAt, attempts: 1 } } }),
          ]);
          markWaitsOpen(run.tenantId);
          return true;
        });
        states[index] = { ...states[index]!, status: "waiting", startedAt, attempts: 1 };
        try {
          const received = await step.waitForEvent<Record<string, never>>(def.id, { type: waitEventType(def.id), timeout: timeoutMs });
          outputs[def.id] = received.payload as unknown as WaitPayload;
          await db.batch([deleteWaitsStatement(db, run.runId, def.id)]);
          await mirror(index, { status: "completed", endedAt: iso(Date.now()), output: outputs[def.id] }, { status: "running" }, ["completed"]);
        } catch (error) {
          await db.batch([deleteWaitsStatement(db, run.runId, def.id)]);
          throw new Error(`wait for ${def.event} timed out: ${message(error)}`);
        }
        continue;
      }
      const output = await step.do(def.id, stepConfig(def), async (sctx) => {
        states[index] = { ...states[index]!, startedAt: states[index]!.startedAt ?? startedAt, attempts: sctx.attempt };
        // A condition is pure and instant: its outcome is the only write; I/O steps show their attempts as they go.
        if (def.kind !== "condition") await mirror(index, { status: "running" }, { status: "running" });
        try {
          return (await execute(env, ctx, effects, run, def, scope, sctx.attempt)) as never;
        } catch (error) {
          await mirror(index, { error: message(error) });
          if (error instanceof PermanentStepError) throw new NonRetryableError(error.message);
          throw error;
        }
      });
      outputs[def.id] = output;
      if (def.kind === "condition" && (output as { result: boolean }).result === false) {
        await mirror(index, { status: "completed", endedAt: iso(Date.now()), output }, {}, ["completed"]);
        for (let rest = index + 1; rest < run.steps.length; rest++) await mirror(rest, { status: "skipped" }, {}, ["skipped"]);
        break;
      }
      await mirror(index, { status: "completed", endedAt: iso(Date.now()), output, error: undefined }, {}, ["completed"]);
    }
  } catch (error) {
    const reason = `step ${run.steps[index]?.id ?? "?"} failed: ${message(error)}`;
    await step.do("run.failed", async () => {
      const state = { ...states[index]!, status: "failed" as const, endedAt: iso(Date.now()), error: message(error) };
      const statements = [updateRunStatement(db, run.runId, { status: "failed", error: reason, endedAt: Date.now(), now: Date.now(), step: { index, state } }), deleteWaitsStatement(db, run.runId)];
      await effects.publish(env, ctx, [{ tenantId: run.tenantId, type: "workflow.failed", data: { ...meta, error: reason }, metadata: eventMeta }], { statements });
      return true;
    });
    throw new NonRetryableError(reason);
  }

  await step.do("run.completed", async () => {
    const statements = [updateRunStatement(db, run.runId, { status: "completed", endedAt: Date.now(), now: Date.now() })];
    await effects.publish(env, ctx, [{ tenantId: run.tenantId, type: "workflow.completed", data: meta, metadata: eventMeta }], { statements });
    return true;
  });
  return { outputs };
}

async function execute(env: Env, ctx: ExecutionContext, effects: AutomationEffects, run: RunParams, def: Step, scope: ReturnType<typeof renderScope>, attempt: number): Promise<unknown> {
  switch (def.kind) {
    case "condition":
      return { result: conditionHolds(def.if, scope) };
    case "http": {
      const config = getConfig(env);
      const sealed = await ruleSecret(TenantDb.of(env.DB, run.tenantId), run.ruleId);
      if (!sealed) throw new PermanentStepError("the rule was deleted; its signing secret is gone");
      const secret = await openSecret(config.encryptionKey, sealed, `rule:${run.ruleId}`);
      return runHttp(renderStep(def, scope), { runId: run.runId, eventType: run.event.type, attempt, secret, allowPrivate: config.allowPrivateDestinations });
    }
    case "publish":
      return runPublish(env, ctx, effects, renderStep(def, scope), run);
    case "notify":
      return runNotify(env, ctx, effects, renderStep(def, scope), run);
    default:
      throw new PermanentStepError(`unknown step kind ${(def as Step).kind}`);
  }
}

/** The RuleWorkflow class bound to the Worker's effects (src/index.ts exports it under the binding's class name). */
export function ruleWorkflowClass(effects: AutomationEffects) {
  return class RuleWorkflow extends WorkflowEntrypoint<Env, RunParams> {
    override async run(event: Readonly<WorkflowEvent<RunParams>>, step: WorkflowStep) {
      return runRule(this.env, this.ctx, effects, event.payload as RunParams, step);
    }
  };
}
