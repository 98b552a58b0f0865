/** Batching in D1 (the truth): form batches from open rows, claim a formed batch again for a retry, and read what stays open. */
import { MODELESS_EVENT_TYPE } from "../core/modes";
import type { DeliveryMessage } from "../store/outbox";
import { DELIVERABLE_SQL } from "../store/subscriptions";

/** Batches one claim may form per subscription (a backlog leaves over several claims, each re-armed at once). */
export const MAX_BATCHES_PER_CLAIM = 4;

/** The columns a claim returns for every row it moves to `sending`. */
export const CLAIMED_COLUMNS = "id, event_id, subscription_id, attempts, round_start, batch_id, ordering_key";

/** SQL condition (columns of `alias`): a row of a batch subscription waiting for its batch (pending, never attempted, not a test delivery). */
export function openRow(alias = ""): string {
  const c = alias ? `${alias}.` : "";
  return `${c}batch_id IS NULL AND ${c}status = 'pending' AND ${c}attempts = 0 AND ${c}event_type != '${MODELESS_EVENT_TYPE}'`;
}

/** SQL condition on a deliveries row: it is an open row of a batch subscription, so it is never claimed alone. */
export const WAITS_FOR_BATCH = `(${openRow()} AND subscription_id IN (SELECT id FROM subscriptions WHERE batch IS NOT NULL))`;

/**
 * Forms and claims batches in one statement: for the batch subscriptions named, the due open rows
 * in publish order are cut into chunks of maxEvents; a chunk that is full or whose oldest event
 * has waited maxWaitMs gets a new id (`bat_…`) and its rows move to `sending` together (lease =
 * timeout + margin). Rows already in a batch are never taken again, so concurrent claims (D1
 * runs one statement at a time) cannot put a row in two batches.
 */
export function formBatchesStatement(db: D1Database, subscriptionIds: readonly string[], now: number, leaseMarginMs: number): D1PreparedStatement {
  return db
    .prepare(
      `WITH subs AS MATERIALIZED (
          SELECT id, json_extract(batch, '$.maxEvents') AS max, json_extract(batch, '$.maxWaitMs') AS wait, timeout_ms
          FROM subscriptions WHERE id IN (SELECT value FROM json_each(?1)) AND ${DELIVERABLE_SQL} AND batch IS NOT NULL),
        open AS MATERIALIZED (
          SELECT d.id, d.subscription_id AS sub, d.created_at, s.max, s.wait, s.timeout_ms,
                 (ROW_NUMBER() OVER (PARTITION BY d.subscription_id ORDER BY d.event_id) - 1) / s.max AS chunk
          FROM subs s CROSS JOIN deliveries d
          WHERE d.subscription_id = s.id AND ${openRow("d")} AND d.next_at IS NOT NULL AND d.next_at <= ?2),
        closing AS MATERIALIZED (
          SELECT sub, chunk, 'bat_' || lower(hex(randomblob(12))) AS bat FROM open WHERE chunk < ${MAX_BATCHES_PER_CLAIM}
          GROUP BY sub, chunk HAVING COUNT(*) >= MAX(max) OR MIN(created_at) <= ?2 - MAX(wait))
      UPDATE deliveries SET batch_id = c.bat, status = 'sending', attempts = attempts + 1, updated_at = ?2, next_at = ?3 + o.timeout_ms
        FROM open o JOIN closing c ON c.sub = o.sub AND c.chunk = o.chunk
        WHERE deliveries.id = o.id
        RETURNING ${CLAIMED_COLUMNS}`,
    )
    .bind(JSON.stringify([...new Set(subscriptionIds)]), now, now + leaseMarginMs);
}

/**
 * Claims again every batch a message names at its generation (a retry, or a lease that expired):
 * all its rows move to `sending` together, so a retry resends the same batch (same id, same events).
 */
export function claimBatchesStatement(db: D1Database, messages: readonly DeliveryMessage[], now: number, leaseMarginMs: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, updated_at = ?1,
          next_at = ?2 + (SELECT timeout_ms FROM subscriptions s WHERE s.id = deliveries.subscription_id)
        WHERE batch_id IN (SELECT d.batch_id FROM deliveries d
                             JOIN (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS gen FROM json_each(?3)) j
                               ON d.id = j.id AND d.attempts = j.gen
                            WHERE d.batch_id IS NOT NULL)
          AND (+status IN ('pending', 'retrying') OR (+status = 'sending' AND next_at <= ?1))
          AND subscription_id IN (SELECT id FROM subscriptions WHERE ${DELIVERABLE_SQL})
        RETURNING ${CLAIMED_COLUMNS}`,
    )
    .bind(now, now + leaseMarginMs, JSON.stringify(messages.map((m) => [m.deliveryId, m.attempt])));
}

/** A batch subscription's open rows after a claim (what the window timer needs). */
export interface OpenWindowRow {
  subscription_id: string;
  count: number;
  oldest_at: number;
  max_events: number;
  max_wait_ms: number;
}

/** The open rows still waiting, per batch subscription named (count and oldest publish time). */
export function openWindowsStatement(db: D1Database, subscriptionIds: readonly string[]): D1PreparedStatement {
  return db
    .prepare(
      `SELECT d.subscription_id, COUNT(*) AS count, MIN(d.created_at) AS oldest_at,
              json_extract(s.batch, '$.maxEvents') AS max_events, json_extract(s.batch, '$.maxWaitMs') AS max_wait_ms
        FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id
        WHERE s.id IN (SELECT value FROM json_each(?1)) AND s.status = 'active' AND (s.require_verification = 0 OR s.verified_at IS NOT NULL) AND s.batch IS NOT NULL
          AND ${openRow("d")} AND d.next_at IS NOT NULL
        GROUP BY d.subscription_id`,
    )
    .bind(JSON.stringify([...new Set(subscriptionIds)]));
}

/** The oldest due open row of a subscription, as a message that makes a claim look at its window. */
export async function oldestOpenMessage(db: D1Database, subscriptionId: string, now: number): Promise<DeliveryMessage | null> {
  const row = await db
    .prepare(`SELECT id FROM deliveries WHERE subscription_id = ?1 AND ${openRow()} AND next_at IS NOT NULL AND next_at <= ?2 ORDER BY event_id LIMIT 1`)
    .bind(subscriptionId, now)
    .first<{ id: string }>();
  return row ? { deliveryId: row.id, subscriptionId, attempt: 0 } : null;
}
