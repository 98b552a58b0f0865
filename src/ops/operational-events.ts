/** Operational events published from the Worker's queue and cron handlers: delivery.failed and system.health.*. */
import { DEFAULT_TENANT } from "../tenants/model";
import type { Outcome } from "../delivery/core/outcome";
import { publishAll, type BackgroundContext } from "../publish";
import { overallHealth, type HealthChecks, type HealthStatus } from "./health";

const HEALTH_KEY = "health";

/** Publishes delivery.failed for each outcome whose retries are exhausted (status failed), except for delivery.failed events themselves. */
export async function announceFailedDeliveries(env: Env, ctx: BackgroundContext, outcomes: Outcome[]): Promise<number> {
  const failed = outcomes.filter((o) => o.status === "failed");
  if (failed.length === 0) return 0;
  const rows = await env.DB.prepare(`SELECT d.id, d.event_id, d.tenant_id, e.type FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id IN (${failed.map(() => "?").join(",")})`)
    .bind(...failed.map((o) => o.deliveryId))
    .all<{ id: string; event_id: string; tenant_id: string; type: string }>();
  // A failed delivery of a delivery.failed event is not announced again: no feedback loop.
  const rowOf = new Map(rows.results.filter((r) => r.type !== "delivery.failed").map((r) => [r.id, r]));
  const events = failed.filter((o) => rowOf.has(o.deliveryId)).map((o) => ({
    tenantId: rowOf.get(o.deliveryId)!.tenant_id,
    type: "delivery.failed" as const,
    data: { deliveryId: o.deliveryId, subscriptionId: o.subscriptionId, eventId: rowOf.get(o.deliveryId)!.event_id, attempts: o.attempt, lastStatus: o.statusCode, error: o.error },
  }));
  if (events.length > 0) await publishAll(env, ctx, events);
  return events.length;
}

/** What the health watch decided. */
export interface HealthTransition {
  previous: HealthStatus;
  status: HealthStatus;
  published: "system.health.degraded" | "system.health.restored" | null;
}

/**
 * Compares the /health roll-up with the previous one the cron saw (kept in D1; none = healthy) and
 * publishes system.health.degraded when it leaves healthy or worsens, system.health.restored when it
 * is healthy again.
 */
export async function watchHealth(env: Env, ctx: BackgroundContext, checks: HealthChecks, now = Date.now()): Promise<HealthTransition> {
  const status = overallHealth(checks);
  const row = await env.DB.prepare("SELECT value FROM system_state WHERE key = ?").bind(HEALTH_KEY).first<{ value: string }>();
  const previous = (row?.value ?? "healthy") as HealthStatus;
  if (previous === status) return { previous, status, published: null };
  const save = env.DB.prepare("INSERT INTO system_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at WHERE value = ?").bind(HEALTH_KEY, status, now, previous);
  const data = { status, previous, checks: { database: checks.database.status, queue: checks.queue.status, durableObjects: checks.durableObjects.status } };
  const event = status === "healthy" ? { tenantId: DEFAULT_TENANT, type: "system.health.restored" as const, data } : { tenantId: DEFAULT_TENANT, type: "system.health.degraded" as const, data };
  const events = await publishAll(env, ctx, [event], { statements: [save], requireChange: true, now });
  return { previous, status, published: events.length > 0 ? event.type : null };
}

/**
 * Publishes notify.sent with the final status (delivered or failed) for each finished delivery of a
 * channel's notify.sent (status queued) to that channel's subscription. Channels take only queued
 * notify.sent events, so these reports are not delivered to the channel again.
 */
export async function announceNotificationOutcomes(env: Env, ctx: BackgroundContext, outcomes: Outcome[]): Promise<number> {
  const finished = outcomes.filter((o) => o.status === "success" || o.status === "failed");
  if (finished.length === 0) return 0;
  const rows = await env.DB.prepare(
    `SELECT d.id, d.tenant_id, ch.name AS channel, e.data FROM deliveries d JOIN channels ch ON ch.subscription_id = d.subscription_id JOIN events e ON e.id = d.event_id
     WHERE e.type = 'notify.sent' AND d.id IN (${finished.map(() => "?").join(",")})`,
  )
    .bind(...finished.map((o) => o.deliveryId))
    .all<{ id: string; tenant_id: string; channel: string; data: string }>();
  const outcomeOf = new Map(finished.map((o) => [o.deliveryId, o]));
  const events = rows.results.flatMap((row) => {
    const data = JSON.parse(row.data) as Record<string, unknown>;
    if (data.channel !== row.channel || data.status !== "queued") return [];
    const outcome = outcomeOf.get(row.id)!;
    const status = outcome.status === "success" ? "delivered" : "failed";
    const { data: _extra, tags: _tags, ...summary } = data;
    return [{ tenantId: row.tenant_id, type: "notify.sent" as const, data: { ...summary, status, deliveryId: row.id, attempts: outcome.attempt, ...(status === "failed" ? { error: outcome.error ?? `HTTP ${outcome.statusCode}` } : {}) } }];
  });
  if (events.length > 0) await publishAll(env, ctx, events);
  return events.length;
}
