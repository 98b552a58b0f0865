/** Per-key FIFO in D1 (the truth): which row heads its key, parking rows behind a head, promoting the next head. */
import type { DeliveryMessage } from "../store/outbox";

/** How long a row behind its key's head waits before the sweep looks at it again (promotion normally wakes it first). */
export const PARK_MS = 300_000;

/**
 * SQL condition on a deliveries row (`deliveries`, bound `?1` = now): it keeps no order, or it
 * heads its key — no earlier row (publish order = event_id) of the same subscription and key is
 * unfinished, and no other row of the key holds a live lease. Claims check it in the same
 * statement that moves the row to `sending`, so concurrent consumers never send two of a key.
 */
export const HEADS_ITS_KEY = `(deliveries.ordering_key IS NULL OR NOT EXISTS (
    SELECT 1 FROM deliveries p
     WHERE p.subscription_id = deliveries.subscription_id AND p.ordering_key = deliveries.ordering_key AND p.id != deliveries.id
       AND ((p.status IN ('pending', 'retrying') AND p.event_id < deliveries.event_id) OR (p.status = 'sending' AND p.next_at > ?1))))`;

/**
 * Parks the ordered rows messages named that are still waiting after the claim (not their key's
 * head): due again in PARK_MS, so the sweep does not re-send them while the head is worked on.
 */
export function parkStatement(db: D1Database, messages: readonly DeliveryMessage[], now: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE deliveries SET next_at = MAX(next_at, ?1), updated_at = ?2
        FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS gen FROM json_each(?3)) AS j
        WHERE deliveries.id = j.id AND deliveries.attempts = j.gen AND deliveries.ordering_key IS NOT NULL
          AND +deliveries.status IN ('pending', 'retrying') AND deliveries.next_at IS NOT NULL`,
    )
    .bind(now + PARK_MS, now, JSON.stringify(messages.map((m) => [m.deliveryId, m.attempt])));
}

/**
 * Makes the next row of each finished key due now (its earliest unfinished row, when that one
 * is pending and not held) and returns it as a message. In the same batch as the outcomes, so
 * a crash after it leaves the new head due for the sweep.
 */
export function promoteStatement(db: D1Database, keys: readonly { subscriptionId: string; key: string }[], now: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE deliveries SET next_at = ?1, updated_at = ?1
        WHERE id IN (SELECT (SELECT d.id FROM deliveries d
                              WHERE d.subscription_id = json_extract(k.value, '$[0]') AND d.ordering_key = json_extract(k.value, '$[1]')
                                AND d.status IN ('pending', 'retrying', 'sending')
                              ORDER BY d.event_id LIMIT 1)
                       FROM json_each(?2) k)
          AND +status = 'pending' AND next_at IS NOT NULL
        RETURNING id, subscription_id, attempts`,
    )
    .bind(now, JSON.stringify(keys.map((k) => [k.subscriptionId, k.key])));
}

/** The messages of the heads a promoteStatement made due. */
export function promotedMessages(result: D1Result): DeliveryMessage[] {
  return (result.results as { id: string; subscription_id: string; attempts: number }[]).map((r) => ({ deliveryId: r.id, subscriptionId: r.subscription_id, attempt: r.attempts }));
}
