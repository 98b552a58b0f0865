/** The publish hook: after a commit, starts a run per matching rule (instance id = run id) and resumes matching waits. */
import { getConfig } from "../config";
import type { StoredEvent } from "../events/store";
import { toWireEvent } from "../events/store";
import { TenantDb } from "../tenants/tenant-db";
import { DEPTH_KEY, MAX_DEPTH, type Rule, type RunParams } from "./model";
import { routeEvent, runId } from "./router";
import { enabledRules } from "./rule-store";
import { insertRunStatement, pendingSteps, updateRunStatement } from "./run-store";
import { resumeWaitsFor } from "./waits";

/** The depth of an event: how many runs published their way to it (0 for events from outside). */
export function eventDepth(event: Pick<StoredEvent, "metadata">): number {
  const depth = event.metadata?.[DEPTH_KEY];
  return typeof depth === "number" && Number.isInteger(depth) && depth > 0 ? depth : 0;
}

function isDuplicate(error: unknown): boolean {
  return /already exists|duplicate/i.test(String(error));
}

/** Starts one run in the event's tenant: the run row (once), then the instance; a duplicate create is not an error. */
async function startRun(env: Env, rule: Rule, event: StoredEvent, depth: number, now: number): Promise<void> {
  if (rule.tenantId !== event.tenantId) throw new Error(`rule ${rule.id} of tenant ${rule.tenantId} routed an event of tenant ${event.tenantId}`);
  const id = runId(rule.id, event.id);
  const db = TenantDb.of(env.DB, event.tenantId);
  const inserted = await insertRunStatement(db, { id, ruleId: rule.id, eventId: event.id, depth, steps: pendingSteps(rule.steps), now }).run();
  if (inserted.meta.changes === 0) return;
  const params: RunParams = { runId: id, ruleId: rule.id, tenantId: event.tenantId, depth, event: toWireEvent(event), params: rule.params, steps: rule.steps };
  try {
    await env.RULE_RUNS.create({ id, params });
  } catch (error) {
    if (isDuplicate(error)) return;
    await updateRunStatement(db, id, { status: "failed", error: `the run could not start: ${String(error)}`, endedAt: now, now, force: true }).run();
    throw error;
  }
}

/**
 * Routes published events to rules and waits, each event only to its own tenant's rules and waits.
 * Runs in `waitUntil` after the commit, never on the caller's path; with no enabled rule it costs
 * one isolate-cached lookup (the snapshot holds every tenant's enabled rules).
 */
export async function routePublished(env: Env, events: readonly StoredEvent[], now = Date.now()): Promise<void> {
  const rules = await enabledRules(TenantDb.all(env.DB), getConfig(env).delivery.subscriptionCacheTtlMs, now);
  if (rules.length > 0) {
    for (const event of events) {
      const depth = eventDepth(event);
      if (depth > MAX_DEPTH) continue;
      const wire = toWireEvent(event);
      for (const rule of routeEvent(wire, rules, event.tenantId)) {
        await startRun(env, rule, event, depth, now).catch((error: unknown) =>
          console.error(JSON.stringify({ level: "error", msg: "starting a run failed", ruleId: rule.id, eventId: event.id, error: String(error) })),
        );
      }
    }
  }
  await resumeWaitsFor(env, events.map(toWireEvent), now);
}
