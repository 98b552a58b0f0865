/** D1 access for deliveries and attempts: history, detail, manual retry, resume catch-up, dead letters, stats. */
import { iso, isoOrNull } from "../../lib/time";
import type { TenantDb } from "../../tenants/tenant-db";
import type { DeliveryMessage } from "./outbox";

/** Delivery states. */
export const DELIVERY_STATUSES = ["pending", "sending", "success", "failed", "retrying"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

interface DeliveryRow {
  id: string;
  tenant_id: string;
  event_id: string;
  subscription_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  round_start: number;
  next_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  dead_lettered_at: number | null;
  batch_id: string | null;
  ordering_key: string | null;
}

interface AttemptRow {
  attempt: number;
  status_code: number | null;
  duration_ms: number;
  response_body: string | null;
  error: string | null;
  verdict: string;
  created_at: number;
  batch_id: string | null;
}


/** A delivery as the API shows it. `held` means waiting for its subscription to resume. */
function toDeliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    eventId: row.event_id,
    eventType: row.event_type,
    subscriptionId: row.subscription_id,
    status: row.status,
    attempts: row.attempts,
    held: row.next_at === null && (row.status === "pending" || row.status === "retrying"),
    nextAttemptAt: row.status === "sending" ? null : isoOrNull(row.next_at),
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    completedAt: isoOrNull(row.completed_at),
    deadLetteredAt: isoOrNull(row.dead_lettered_at),
    batchId: row.batch_id,
    orderingKey: row.ordering_key,
  };
}

/** An attempt as the API shows it. */
function toAttemptView(row: AttemptRow) {
  return {
    attempt: row.attempt,
    statusCode: row.status_code,
    durationMs: row.duration_ms,
    responseBody: row.response_body,
    error: row.error,
    verdict: row.verdict,
    createdAt: iso(row.created_at),
    batchId: row.batch_id,
  };
}

export type DeliveryView = ReturnType<typeof toDeliveryView>;
export type AttemptView = ReturnType<typeof toAttemptView>;

/** Options of listDeliveries. */
export interface ListDeliveriesOptions {
  limit: number;
  cursor?: string;
  status?: DeliveryStatus;
}

/** A subscription's deliveries, newest first, before the cursor (a delivery id). */
export async function listDeliveries(db: TenantDb, subscriptionId: string, options: ListDeliveriesOptions): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
  const where = ["subscription_id = ?", "$tenant(tenant_id)"];
  const values: unknown[] = [subscriptionId];
  if (options.status) {
    where.push("status = ?");
    values.push(options.status);
  }
  if (options.cursor) {
    where.push("(created_at, id) < (SELECT created_at, id FROM deliveries WHERE id = ? AND subscription_id = ? AND $tenant(tenant_id))");
    values.push(options.cursor, subscriptionId);
  }
  const rows = await db
    .prepare(`SELECT * FROM deliveries WHERE ${where.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT ?`)
    .bind(...values, options.limit + 1)
    .all<DeliveryRow>();
  const items = rows.results.slice(0, options.limit).map(toDeliveryView);
  return { items, nextCursor: rows.results.length > options.limit ? items[items.length - 1]!.id : null };
}

/** One delivery of a subscription with every attempt, or null. */
export async function getDelivery(db: TenantDb, subscriptionId: string, deliveryId: string): Promise<(DeliveryView & { attemptLog: AttemptView[] }) | null> {
  const [delivery, attempts] = await db.batch([
    db.prepare("SELECT * FROM deliveries WHERE id = ? AND subscription_id = ? AND $tenant(tenant_id)").bind(deliveryId, subscriptionId),
    db.prepare("SELECT * FROM attempts WHERE delivery_id = ? AND subscription_id = ? AND $tenant(tenant_id) ORDER BY attempt, id").bind(deliveryId, subscriptionId),
  ]);
  const row = (delivery!.results as DeliveryRow[])[0];
  if (!row) return null;
  return { ...toDeliveryView(row), attemptLog: (attempts!.results as AttemptRow[]).map(toAttemptView) };
}

type Requeued = { id: string; subscription_id: string; attempts: number };
const toMessage = (r: Requeued): DeliveryMessage => ({ deliveryId: r.id, subscriptionId: r.subscription_id, attempt: r.attempts });

/**
 * Starts a new round for one delivery (any state but sending): pending, due now, retry policy
 * counted afresh; a delivery sent in a batch restarts with its whole batch (the same batch goes
 * again). Returns the message to enqueue (null when it is sending now or does not exist).
 */
export async function restartDelivery(db: TenantDb, subscriptionId: string, deliveryId: string, now: number): Promise<{ message: DeliveryMessage | null; exists: boolean }> {
  const [restarted, existing] = await db.batch([
    db
      .prepare(
        `UPDATE deliveries SET status = 'pending', round_start = attempts, next_at = ?1, updated_at = ?1, completed_at = NULL, dead_lettered_at = NULL
          WHERE subscription_id = ?3 AND status != 'sending' AND $tenant(tenant_id)
            AND (id = ?2 OR batch_id = (SELECT batch_id FROM deliveries WHERE id = ?2 AND subscription_id = ?3 AND $tenant(tenant_id)))
          RETURNING id, subscription_id, attempts`,
      )
      .bind(now, deliveryId, subscriptionId),
    db.prepare("SELECT 1 FROM deliveries WHERE id = ? AND subscription_id = ? AND $tenant(tenant_id)").bind(deliveryId, subscriptionId),
  ]);
  const row = (restarted!.results as Requeued[]).find((r) => r.id === deliveryId);
  return { message: row ? toMessage(row) : null, exists: existing!.results.length > 0 };
}

/** Held deliveries re-enqueued directly on resume; the rest are made due and left to the sweep. */
export const RELEASE_LIMIT = 5000;

/**
 * Makes a subscription's held deliveries due now (resume catch-up). Returns the messages to
 * enqueue for the oldest RELEASE_LIMIT of them; any beyond are due too and the sweep sends them.
 */
export async function releaseHeld(db: TenantDb, subscriptionId: string, now: number): Promise<DeliveryMessage[]> {
  const held = "subscription_id = ?2 AND $tenant(tenant_id) AND status IN ('pending', 'retrying') AND next_at IS NULL";
  const [released] = await db.batch([
    db
      .prepare(
        `UPDATE deliveries SET next_at = ?1, updated_at = ?1 WHERE id IN (SELECT id FROM deliveries WHERE ${held} ORDER BY created_at LIMIT ?3)
          RETURNING id, subscription_id, attempts`,
      )
      .bind(now, subscriptionId, RELEASE_LIMIT),
    db.prepare(`UPDATE deliveries SET next_at = ?1, updated_at = ?1 WHERE ${held}`).bind(now, subscriptionId),
  ]);
  return (released!.results as Requeued[]).map(toMessage);
}

/** Options of retryFailed. */
export interface RetryFailedOptions {
  limit: number;
  subscriptionId?: string;
}

/** Brings failed deliveries of active subscriptions back (new round), of the tenants the handle sees; returns the messages to enqueue. */
export async function retryFailed(db: TenantDb, now: number, options: RetryFailedOptions): Promise<DeliveryMessage[]> {
  const rows = await db
    .prepare(
      `UPDATE deliveries SET status = 'pending', round_start = attempts, next_at = ?1, updated_at = ?1, completed_at = NULL, dead_lettered_at = NULL
        WHERE id IN (SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id
                     WHERE d.status = 'failed' AND s.status = 'active' AND (?2 IS NULL OR d.subscription_id = ?2) AND $tenant(d.tenant_id)
                     ORDER BY d.updated_at LIMIT ?3)
        RETURNING id, subscription_id, attempts`,
    )
    .bind(now, options.subscriptionId ?? null, options.limit)
    .all<Requeued>();
  return rows.results.map(toMessage);
}

/** Records dead-lettered deliveries as failed (those not delivered meanwhile); system code, every tenant. */
export async function markDeadLettered(db: D1Database, deliveryIds: readonly string[], now: number): Promise<number> {
  if (deliveryIds.length === 0) return 0;
  const result = await db
    .prepare(
      `UPDATE deliveries SET status = 'failed', next_at = NULL, dead_lettered_at = ?1, completed_at = COALESCE(completed_at, ?1), updated_at = ?1
        WHERE id IN (SELECT value FROM json_each(?2)) AND status != 'success' /* every tenant */`,
    )
    .bind(now, JSON.stringify(deliveryIds))
    .run();
  return result.meta.changes;
}

/** Nearest-rank percentile of ascending numbers (null when empty). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Attempts considered for latency percentiles. */
export const LATENCY_SAMPLE = 1000;

/** Totals by status, success rate, attempt counts and p50/p95 attempt latency (last 1000 attempts). */
export async function subscriptionStats(db: TenantDb, subscriptionId: string) {
  const [byStatus, attempts, latency] = await db.batch([
    db.prepare("SELECT status, COUNT(*) AS n, SUM(CASE WHEN next_at IS NULL AND status IN ('pending', 'retrying') THEN 1 ELSE 0 END) AS held FROM deliveries WHERE subscription_id = ? AND $tenant(tenant_id) GROUP BY status").bind(subscriptionId),
    db.prepare("SELECT COUNT(*) AS total, SUM(CASE WHEN verdict = 'success' THEN 1 ELSE 0 END) AS ok FROM attempts WHERE subscription_id = ? AND $tenant(tenant_id)").bind(subscriptionId),
    db.prepare("SELECT duration_ms FROM (SELECT duration_ms FROM attempts WHERE subscription_id = ? AND $tenant(tenant_id) ORDER BY created_at DESC LIMIT ?) ORDER BY duration_ms").bind(subscriptionId, LATENCY_SAMPLE),
  ]);
  const counts: Record<DeliveryStatus, number> = { pending: 0, sending: 0, success: 0, failed: 0, retrying: 0 };
  let held = 0;
  for (const r of byStatus!.results as { status: DeliveryStatus; n: number; held: number }[]) {
    counts[r.status] = r.n;
    held += r.held;
  }
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const finished = counts.success + counts.failed;
  const a = (attempts!.results as { total: number; ok: number | null }[])[0] ?? { total: 0, ok: 0 };
  const durations = (latency!.results as { duration_ms: number }[]).map((r) => r.duration_ms);
  return {
    totalDeliveries: total,
    ...counts,
    held,
    successRate: finished === 0 ? null : counts.success / finished,
    attempts: { total: a.total, succeeded: a.ok ?? 0, failed: a.total - (a.ok ?? 0) },
    latencyMs: { p50: percentile(durations, 50), p95: percentile(durations, 95), sample: durations.length },
  };
}

/** Queue figures of the tenants the handle sees: deliveries by status, held, overdue (past due beyond the grace), dead-lettered. */
export async function queueStats(db: TenantDb, now: number, graceMs: number) {
  const [byStatus, extra] = await db.batch([
    db.prepare("SELECT status, COUNT(*) AS n FROM deliveries WHERE $tenant(tenant_id) GROUP BY status"),
    db.prepare(
      `SELECT (SELECT COUNT(*) FROM deliveries WHERE $tenant(tenant_id) AND next_at IS NOT NULL AND next_at <= ?1) AS due,
              (SELECT COUNT(*) FROM deliveries WHERE $tenant(tenant_id) AND next_at IS NOT NULL AND next_at <= ?2) AS overdue,
              (SELECT MIN(next_at) FROM deliveries WHERE $tenant(tenant_id) AND next_at IS NOT NULL) AS oldest_due,
              (SELECT COUNT(*) FROM deliveries WHERE $tenant(tenant_id) AND dead_lettered_at IS NOT NULL AND status = 'failed') AS dead_lettered,
              (SELECT COUNT(*) FROM deliveries WHERE $tenant(tenant_id) AND next_at IS NULL AND status IN ('pending', 'retrying')) AS held`,
    ).bind(now, now - graceMs),
  ]);
  const counts: Record<DeliveryStatus, number> = { pending: 0, sending: 0, success: 0, failed: 0, retrying: 0 };
  for (const r of byStatus!.results as { status: DeliveryStatus; n: number }[]) counts[r.status] = r.n;
  const x = (extra!.results as { due: number; overdue: number; oldest_due: number | null; dead_lettered: number; held: number }[])[0]!;
  return {
    deliveries: counts,
    inFlight: counts.pending + counts.sending + counts.retrying - x.held,
    held: x.held,
    dueNow: x.due,
    overdue: x.overdue,
    oldestDueAt: isoOrNull(x.oldest_due),
    deadLetter: { count: x.dead_lettered },
  };
}
