/** The consumer's D1 statements (system code: raw D1 across tenants; rows keep their own tenant_id): claim rows at their generation, hold, defer, load, and record outcomes — one statement each. */
import type { Outcome } from "../core/outcome";
import { CLAIMED_COLUMNS, WAITS_FOR_BATCH } from "../modes/batches";
import { HEADS_ITS_KEY } from "../modes/fifo";
import type { DeliveryMessage } from "./outbox";
import { DELIVERABLE_SQL } from "./subscriptions";

/** A claimed delivery row. */
export interface ClaimedRow {
  id: string;
  event_id: string;
  subscription_id: string;
  attempts: number;
  round_start: number;
  /** The batch the row is sent in (batch mode), else null. */
  batch_id: string | null;
  /** The row's FIFO key value, null when its subscription keeps no order. */
  ordering_key: string | null;
}

/** Extra time a claimed row stays leased beyond its subscription's timeout before the sweep may take it over. */
export const LEASE_MARGIN_MS = 10_000;

/**
 * Claims rows at the generation their messages name: pending, retrying, or sending with an expired
 * lease, of deliverable subscriptions (active, verified when required). The lease is the
 * subscription's timeout plus LEASE_MARGIN_MS. Rows of batches (and open rows waiting for one) are
 * left to the batch statements; an ordered row is claimed only while it heads its key.
 * Driven by the named ids (`UPDATE … FROM` the list, primary-key lookups): written as
 * `id IN (…) AND status IN (…)`, SQLite chose the status index and read every pending row of the
 * backlog on each claim (test/worker/claim-plans.test.ts).
 */
export function claimStatement(db: D1Database, messages: readonly DeliveryMessage[], now: number): D1PreparedStatement {
  const wanted = JSON.stringify(messages.map((m) => [m.deliveryId, m.attempt]));
  return db
    .prepare(
      `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, updated_at = ?1,
          next_at = ?2 + (SELECT timeout_ms FROM subscriptions s WHERE s.id = deliveries.subscription_id)
        FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS gen FROM json_each(?3)) AS j
        WHERE deliveries.id = j.id AND deliveries.attempts = j.gen
          AND (+deliveries.status IN ('pending', 'retrying') OR (+deliveries.status = 'sending' AND deliveries.next_at <= ?1))
          AND deliveries.subscription_id IN (SELECT id FROM subscriptions WHERE ${DELIVERABLE_SQL})
          AND deliveries.batch_id IS NULL AND NOT ${WAITS_FOR_BATCH} AND ${HEADS_ITS_KEY}
        RETURNING ${CLAIMED_COLUMNS}`,
    )
    .bind(now, now + LEASE_MARGIN_MS, wanted);
}

/**
 * Holds (next_at NULL) the rows of paused, disabled or unverified subscriptions until resume or
 * verification. Driven by the named ids, not by the held subscriptions' rows (which may be many).
 */
export function holdStatement(db: D1Database, deliveryIds: readonly string[], now: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE deliveries SET next_at = NULL, updated_at = ?1 FROM (SELECT value AS id FROM json_each(?2)) AS j
        WHERE deliveries.id = j.id AND +deliveries.status IN ('pending', 'retrying')
          AND deliveries.subscription_id IN (SELECT id FROM subscriptions WHERE NOT (${DELIVERABLE_SQL}))`,
    )
    .bind(now, JSON.stringify(deliveryIds));
}

/** Moves the due time of deferred rows (breaker open, rate) so the sweep does not take them early. */
export function deferStatement(db: D1Database, deferred: readonly { message: DeliveryMessage; dueAt: number }[], now: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE deliveries SET next_at = j.due, updated_at = ?1
        FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS gen, json_extract(value, '$[2]') AS due FROM json_each(?2)) AS j
        WHERE deliveries.id = j.id AND deliveries.attempts = j.gen AND +deliveries.status IN ('pending', 'retrying') AND deliveries.next_at IS NOT NULL`,
    )
    .bind(now, JSON.stringify(deferred.map((d) => [d.message.deliveryId, d.message.attempt, d.dueAt])));
}

/**
 * The subscriptions and events a batch needs (one query each): the events of the rows messages
 * name, and of the batch rows claimed at `claimedAt` (members no message named), when given.
 */
export function loadStatements(db: D1Database, messages: readonly DeliveryMessage[], claimedAt: number | null = null): [D1PreparedStatement, D1PreparedStatement] {
  const subscriptionIds = JSON.stringify([...new Set(messages.map((m) => m.subscriptionId))]);
  return [
    db.prepare("SELECT * FROM subscriptions WHERE id IN (SELECT value FROM json_each(?))").bind(subscriptionIds),
    db
      .prepare(
        `SELECT * FROM events WHERE id IN (SELECT event_id FROM deliveries WHERE id IN (SELECT value FROM json_each(?1)))
            OR id IN (SELECT event_id FROM deliveries WHERE ?2 IS NOT NULL AND status = 'sending' AND updated_at = ?2 AND batch_id IS NOT NULL
                        AND subscription_id IN (SELECT value FROM json_each(?3)))`,
      )
      .bind(JSON.stringify(messages.map((m) => m.deliveryId)), claimedAt, subscriptionIds),
  ];
}

/** Inserts every attempt (in its delivery's tenant) and updates every delivery it concerns (only if still at that generation). */
export function recordStatements(db: D1Database, outcomes: readonly Outcome[], now: number): D1PreparedStatement[] {
  const rows = JSON.stringify(outcomes);
  return [
    db
      .prepare(
        `INSERT INTO attempts (delivery_id, subscription_id, attempt, status_code, duration_ms, response_body, error, verdict, created_at, batch_id, tenant_id)
          SELECT json_extract(value, '$.deliveryId'), json_extract(value, '$.subscriptionId'), json_extract(value, '$.attempt'),
                 json_extract(value, '$.statusCode'), json_extract(value, '$.durationMs'), json_extract(value, '$.responseBody'),
                 json_extract(value, '$.error'), json_extract(value, '$.verdict'), json_extract(value, '$.finishedAt'), json_extract(value, '$.batchId'),
                 COALESCE((SELECT d.tenant_id FROM deliveries d WHERE d.id = json_extract(value, '$.deliveryId')), 'default')
          FROM json_each(?1)`,
      )
      .bind(rows),
    db
      .prepare(
        `UPDATE deliveries SET status = j.status, next_at = j.next_at, last_status_code = j.code, last_error = j.error, updated_at = ?2,
            completed_at = CASE WHEN j.status = 'retrying' THEN NULL ELSE ?2 END
          FROM (SELECT json_extract(value, '$.deliveryId') AS id, json_extract(value, '$.attempt') AS attempt, json_extract(value, '$.status') AS status,
                       json_extract(value, '$.nextAt') AS next_at, json_extract(value, '$.statusCode') AS code, json_extract(value, '$.error') AS error
                FROM json_each(?1)) AS j
          WHERE deliveries.id = j.id AND deliveries.attempts = j.attempt`,
      )
      .bind(rows, now),
  ];
}

/**
 * Settles claimed rows as failed without an attempt (e.g. `event_expired`: retention purged the
 * event), only at the generation they were claimed with, so they are never claimed again.
 */
export function settleFailedStatement(db: D1Database, rows: readonly { id: string; attempts: number }[], reason: string, now: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE deliveries SET status = 'failed', next_at = NULL, last_status_code = NULL, last_error = ?1, completed_at = ?2, updated_at = ?2
        FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS gen FROM json_each(?3)) AS j
        WHERE deliveries.id = j.id AND deliveries.attempts = j.gen AND +deliveries.status = 'sending'`,
    )
    .bind(reason, now, JSON.stringify(rows.map((r) => [r.id, r.attempts])));
}
