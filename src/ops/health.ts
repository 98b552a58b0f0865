/** The /health roll-up: D1, queue and Durable Object checks and the overall status (shared by the route and the cron). */
import { pingMetrics } from "./metrics";

export type CheckStatus = "ok" | "error";
/** One check's result. */
export interface CheckResult {
  status: CheckStatus;
  latencyMs: number;
  error?: string;
}
/** The three checks of /health. */
export type HealthChecks = Record<"database" | "queue" | "durableObjects", CheckResult>;
export type HealthStatus = "healthy" | "degraded" | "unhealthy";

async function timed(check: () => Promise<unknown>): Promise<CheckResult> {
  const started = Date.now();
  try {
    await check();
    return { status: "ok", latencyMs: Date.now() - started };
  } catch (error) {
    return { status: "error", latencyMs: Date.now() - started, error: error instanceof Error ? error.message : String(error) };
  }
}

/** healthy when all pass, unhealthy when D1 fails (nothing can be accepted), degraded otherwise. */
export function overallHealth(checks: Record<"database" | "queue" | "durableObjects", { status: CheckStatus }>): HealthStatus {
  if (checks.database.status === "error") return "unhealthy";
  if (checks.queue.status === "error" || checks.durableObjects.status === "error") return "degraded";
  return "healthy";
}

/** Runs the three checks in parallel. */
export async function healthChecks(env: Env): Promise<HealthChecks> {
  const [database, queue, durableObjects] = await Promise.all([
    timed(() => env.DB.prepare("SELECT 1 AS ok").first()),
    timed(async () => {
      if (typeof env.DELIVERIES?.send !== "function") throw new Error("DELIVERIES queue binding missing");
    }),
    timed(() => Promise.all([env.LIMIT_COUNTER.get(env.LIMIT_COUNTER.idFromName("health")).ping(), pingMetrics(env)])),
  ]);
  return { database, queue, durableObjects };
}
