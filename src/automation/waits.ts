/** Resuming wait_for_event steps: by a published event of the tenant (checked only while waits exist) or by POST /runs/:id/events. */
import { matchesPattern } from "../delivery/core/match";
import type { WireEvent } from "../events/store";
import { waitAccepts } from "./render";
import { deleteWaitsStatement, openWaits, type WaitRow } from "./run-store";

/** How long this isolate trusts "no wait is open" before looking again. */
export const WAIT_FLAG_TTL_MS = 1000;

let flag: { checkedAt: number; open: boolean } | null = null;

/** Notes that a wait was opened (in this isolate): publishing checks waits from now on. */
export function markWaitsOpen(): void {
  flag = { checkedAt: Date.now(), open: true };
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

/** The waits among `waits` that an event resumes: its type matches the pattern and the rendered match filter holds. */
export function waitsResumedBy(event: WireEvent, waits: readonly WaitRow[], now: number): WaitRow[] {
  return waits.filter((w) => w.expires_at > now && matchesPattern(w.event_pattern, event.type) && waitAccepts(w.match ? JSON.parse(w.match) : null, event));
}

/** Sends the resuming event to a run's instance and closes the wait. */
export async function resumeWait(env: Env, wait: Pick<WaitRow, "run_id" | "step_id">, payload: WaitPayload): Promise<void> {
  const instance = await env.RULE_RUNS.get(wait.run_id);
  await instance.sendEvent({ type: waitEventType(wait.step_id), payload });
  await deleteWaitsStatement(env.DB, wait.run_id, wait.step_id).run();
}

/**
 * After a publish commits: resumes the open waits the events match. No D1 read while this isolate
 * knows no wait is open (re-checked every WAIT_FLAG_TTL_MS), one indexed query otherwise.
 */
export async function resumeWaitsFor(env: Env, events: readonly WireEvent[], tenantId = "default", now = Date.now()): Promise<void> {
  if (flag && !flag.open && now - flag.checkedAt < WAIT_FLAG_TTL_MS) return;
  const waits = await openWaits(env.DB, tenantId, now);
  flag = { checkedAt: now, open: waits.length > 0 };
  if (waits.length === 0) return;
  for (const event of events) {
    for (const wait of waitsResumedBy(event, waits, now)) {
      await resumeWait(env, wait, { type: event.type, payload: event, eventId: event.id }).catch((error: unknown) =>
        console.error(JSON.stringify({ level: "error", msg: "resuming a wait failed", runId: wait.run_id, step: wait.step_id, error: String(error) })),
      );
    }
  }
}
