/** The outbox sweep: re-enqueues deliveries whose due time is well past (lost messages, crashed consumers). */
import { DurableObject } from "cloudflare:workers";
import { getConfig } from "../config";
import { enqueueDeliveries, type DeliveryMessage } from "./store/outbox";

/** Rows re-enqueued per sweep statement; the sweep loops up to SWEEP_MAX_ROUNDS times. */
export const SWEEP_LIMIT = 500;
const SWEEP_MAX_ROUNDS = 10;

/** What a sweep did and when the next row falls due. */
export interface SweepResult {
  enqueued: number;
  /** Smallest next_at still outstanding (epoch ms), or null when nothing is in flight. */
  nextDueAt: number | null;
}

/**
 * Re-enqueues rows (pending, retrying, or sending with an expired lease) whose next_at is more
 * than `graceMs` past, bumping next_at to now so the next sweep waits another grace period.
 * Duplicates are harmless: the consumer claims a row only at the generation its message names.
 */
export async function sweepOutbox(env: Env, now: number, graceMs: number): Promise<SweepResult> {
  let enqueued = 0;
  for (let round = 0; round < SWEEP_MAX_ROUNDS; round++) {
    const rows = await env.DB.prepare(
      `UPDATE deliveries SET next_at = ?1, updated_at = ?1
        WHERE id IN (SELECT id FROM deliveries WHERE next_at <= ?2 ORDER BY next_at LIMIT ?3)
        RETURNING id, subscription_id, attempts`,
    )
      .bind(now, now - graceMs, SWEEP_LIMIT)
      .all<{ id: string; subscription_id: string; attempts: number }>();
    const messages: DeliveryMessage[] = rows.results.map((r) => ({ deliveryId: r.id, subscriptionId: r.subscription_id, attempt: r.attempts }));
    await enqueueDeliveries(env.DELIVERIES, messages);
    enqueued += messages.length;
    if (messages.length < SWEEP_LIMIT) break;
  }
  const next = await env.DB.prepare("SELECT MIN(next_at) AS at FROM deliveries WHERE next_at IS NOT NULL").first<{ at: number | null }>();
  return { enqueued, nextDueAt: next?.at ?? null };
}

/**
 * Sweeper Durable Object (one, "sweeper"): its alarm runs the sweep while deliveries are in
 * flight, so recovery also happens where crons never fire (`wrangler dev`).
 */
export class Sweeper extends DurableObject<Env> {
  /** Makes sure an alarm is set within one sweep interval. */
  async arm(): Promise<void> {
    const at = Date.now() + getConfig(this.env).delivery.sweepIntervalMs;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  override async alarm(): Promise<void> {
    const { sweepIntervalMs, sweepGraceMs } = getConfig(this.env).delivery;
    const now = Date.now();
    const result = await sweepOutbox(this.env, now, sweepGraceMs);
    if (result.enqueued > 0) console.log(JSON.stringify({ level: "info", msg: "outbox sweep re-enqueued deliveries", count: result.enqueued }));
    if (result.nextDueAt !== null) {
      const wanted = result.nextDueAt + sweepGraceMs;
      await this.ctx.storage.setAlarm(Math.min(now + sweepIntervalMs, Math.max(now + 1000, wanted)));
    }
  }
}

let lastArmedAt = 0;

/** Arms the sweeper alarm at most once per half interval per isolate (cheap enough for the hot path's waitUntil). */
export function armSweeper(env: Env, ctx: Pick<ExecutionContext, "waitUntil">, now = Date.now()): void {
  const interval = getConfig(env).delivery.sweepIntervalMs;
  if (now - lastArmedAt < interval / 2) return;
  lastArmedAt = now;
  const stub = env.SWEEPER.get(env.SWEEPER.idFromName("sweeper"));
  ctx.waitUntil(
    stub.arm().catch((error: unknown) => {
      lastArmedAt = 0;
      console.error(JSON.stringify({ level: "error", msg: "arming the outbox sweeper failed", error: String(error) }));
    }),
  );
}
