/** D1 statements of queue_sink: what the test destination queue's consumer received (kept a day). */
import { DAY_MS } from "../../lib/time";

/** Stores received messages (JSON bodies); a redelivered message id is kept once. */
export async function recordSunk(db: D1Database, queue: string, messages: readonly { id: string; body: unknown }[], now: number): Promise<void> {
  if (messages.length === 0) return;
  await db
    .prepare(
      `INSERT OR IGNORE INTO queue_sink (message_id, queue, body, received_at, expires_at)
        SELECT json_extract(value, '$[0]'), ?1, json_extract(value, '$[1]'), ?2, ?3 FROM json_each(?4)`,
    )
    .bind(queue, now, now + DAY_MS, JSON.stringify(messages.map((m) => [m.id, JSON.stringify(m.body)])))
    .run();
}
