/** Resuming wait_for_event steps: by a published event of the tenant (checked only while waits exist) or by POST /runs/:id/events. */
import { matchesPattern } from "../delivery/core/match";
import type { WireEvent } from "../events/store";
import { waitAccepts } from "./render";
import { TenantDb } from "../tenants/tenant-db";
import { deleteWaitsStatement, openWaits, type WaitRow } from "./run-store";

/** How long this isolate trusts "no wait is open" before looking again. */
export const WAIT_FLAG_TTL_MS = 1000;

/** Per tenant: when this isolate last looked, and whether the tenant had open waits then. */
const flags = new Map<string, { checkedAt: number; open: boolean }>();
/** Tenants remembered at most (the map is cleared past it: one extra query each, never a missed wait). */
const FLAGS_KEPT = 10_000;

function setFlag(tenantId: string, flag: { checkedAt: number; open: boolean }): void {
  if (flags.size >= FLAGS_KEPT && !flags.has(tenantId)) flags.clear();
  flags.set(tenantId, flag);
}

/** Notes that a wait of `tenantId` was opened (in this isolate): publishing checks that tenant's waits from now on. */
export function markWaitsOpen(tenantId: string): void {
  setFlag(tenantId, { checkedAt: Date.now(), open: true });
}

/** The internal Workflows event type that resumes a rule's wait_for_event step. */
export function waitEventType(stepId: string): string {
  return `wait_${stepId}`;
}

/** The payload a resumed wait_for_event step outputs. */
export interface WaitPayload {
  type: string;
  payload: unknown;
  eventId?: string;
}

/** The waits among `waits` that an event resumes: one of its tenant, its type matches the pattern and the rendered match filter holds. */
export function waitsResumedBy(event: WireEvent, waits: readonly WaitRow[], now: number): WaitRow[] {
  return waits.filter((w) => w.tenant_id === event.tenantId && w.expires_at > now && matchesPattern(w.event_pattern, event.type) && waitAccepts(w.match ? JSON.parse(w.match) : null, event));
}

/** Sends the resuming event to a run's instance and closes the wait (in the wait's tenant). */
export async function resumeWait(env: Env, wait: Pick<WaitRow, "run_id" | "step_id" | "tenant_id">, payload: WaitPayload): Promise<void> {
  const instance = await env.RULE_RUNS.get(wait.run_id);
  await instance.sendEvent({ type: waitEventType(wait.step_id), payload });
  await deleteWaitsStatement(TenantDb.of(env.DB, wait.tenant_id), wait.run_id, wait.step_id).run();
}

/**
 * After a publish commits: resumes the open waits the events match, each event only its own
 * tenant's waits. Per tenant of the events: no D1 read while this isolate knows the tenant has no
 * open wait (re-checked every WAIT_FLAG_TTL_MS), one indexed query otherwise.
 */
export async function resumeWaitsFor(env: Env, events: readonly WireEvent[], now = Date.now()): Promise<void> {
  const byTenant = new Map<string, WireEvent[]>();
  for (const event of events) byTenant.set(event.tenantId, [...(byTenant.get(event.tenantId) ?? []), event]);
  for (const [tenantId, tenantEvents] of byTenant) {
    const flag = flags.get(tenantId);
    if (flag && !flag.open && now - flag.checkedAt < WAIT_FLAG_TTL_MS) continue;
    const waits = await openWaits(TenantDb.of(env.DB, tenantId), now);
    setFlag(tenantId, { checkedAt: now, open: waits.length > 0 });
    if (waits.length === 0) continue;
    for (const event of tenantEvents) {
      for (const wait of waitsResumedBy(event, waits, now)) {
        await resumeWait(env, wait, { type: event.type, payload: event, eventId: event.id }).catch((error: unknown) =>
          console.error(JSON.stringify({ level: "error", msg: "resuming a wait failed", runId: wait.run_id, step: wait.step_id, error: String(error) })),
        );
      }
    }
  }
}
