/** The subscription health statement: D1 owns consecutive failures and disables in the same UPDATE. */
import type { HealthChange } from "../core/outcome";
import type { SubscriptionStatus } from "./subscriptions";

/** A subscription's state after its health update (one per subscription per batch). */
export interface HealthRow {
  id: string;
  status: SubscriptionStatus;
  consecutive_failures: number;
  disabled_reason: string | null;
  /** 1 when this very statement disabled the subscription. */
  disabled_now: number;
  url: string;
  tenant_id: string;
}

/** Options of healthStatement. */
export interface HealthStatementOptions {
  /** Consecutive failures that disable an active subscription (0 = never). */
  disableAfter: number;
  /** Reason written when the endpoint answered 410 Gone. */
  goneReason: string;
  now: number;
}

/**
 * The one owner of consecutive failures: adds this batch's trailing failures (or restarts from
 * them after a success) and, in the same statement, disables an active subscription that answered
 * 410 or reached the threshold. RETURNING tells whether this statement did the disabling.
 */
export function healthStatement(db: D1Database, id: string, change: HealthChange, options: HealthStatementOptions): D1PreparedStatement {
  const count = "CAST(CASE WHEN ?1 THEN ?2 ELSE consecutive_failures + ?2 END AS INTEGER)";
  const disable = `(status = 'active' AND (?3 OR (?4 > 0 AND ${count} >= ?4)))`;
  return db
    .prepare(
      `UPDATE subscriptions SET consecutive_failures = ${count}, last_attempt_at = ?5, last_success_at = COALESCE(?6, last_success_at),
          disabled_reason = CASE WHEN ${disable} THEN (CASE WHEN ?3 THEN ?7 ELSE ${count} || ' consecutive failed attempts' END) ELSE disabled_reason END,
          status_changed_at = CASE WHEN ${disable} THEN ?8 ELSE status_changed_at END,
          status = CASE WHEN ${disable} THEN 'disabled' ELSE status END
        WHERE id = ?9
        RETURNING id, tenant_id, status, consecutive_failures, disabled_reason, url, (status = 'disabled' AND status_changed_at = ?8) AS disabled_now`,
    )
    .bind(change.reset ? 1 : 0, change.trailingFailures, change.gone ? 1 : 0, options.disableAfter, change.lastAttemptAt, change.lastSuccessAt, options.goneReason, options.now, id);
}
