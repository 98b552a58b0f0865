/** Wakes active runs after a restart of the local Workflows engine (AUTOMATION_WAKE_ON_START; see docs/AUTOMATION.md). */
import { getConfig } from "../config";

/** The event type a wake sends; no step waits for it. */
export const WAKE_EVENT = "edgehook_wake";
/** Active runs woken per isolate start. */
export const WAKE_LIMIT = 100;

let woken = false;

/**
 * Once per isolate, when enabled: sends each active run's instance a no-op event. The local
 * engine (`wrangler dev`) keeps sleeps as in-memory timers and re-arms an instance only when it is
 * touched, so without this a run sleeping across a restart would never wake; Cloudflare's
 * Workflows persist their own timers and need none of it (off by default).
 */
export async function wakeActiveRuns(env: Env): Promise<number> {
  if (woken || !getConfig(env).automation.wakeOnStart) return 0;
  woken = true;
  const rows = await env.DB.prepare("SELECT id FROM runs WHERE status IN ('queued', 'running', 'waiting') ORDER BY updated_at DESC LIMIT ?").bind(WAKE_LIMIT).all<{ id: string }>();
  let count = 0;
  for (const { id } of rows.results) {
    try {
      await (await env.RULE_RUNS.get(id)).sendEvent({ type: WAKE_EVENT, payload: {} });
      count++;
    } catch (error) {
      console.error(JSON.stringify({ level: "warn", msg: "waking a run failed", runId: id, error: String(error) }));
    }
  }
  return count;
}
