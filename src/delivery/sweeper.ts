/** The Sweeper Durable Object: its alarm runs the engine's outbox sweep while deliveries are in flight (also under `wrangler dev`). */
import { DurableObject } from "cloudflare:workers";
import { getConfig } from "../config";
import { sweep } from "./engine";

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
    const result = await sweep(this.env, now, sweepGraceMs);
    if (result.enqueued > 0) console.log(JSON.stringify({ level: "info", msg: "outbox sweep re-enqueued deliveries", count: result.enqueued }));
    if (result.nextDueAt !== null) {
      const wanted = result.nextDueAt + sweepGraceMs;
      await this.ctx.storage.setAlarm(Math.min(now + sweepIntervalMs, Math.max(now + 1000, wanted)));
    }
  }
}
