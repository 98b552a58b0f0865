/** BatchWindow Durable Object (one per batch subscription): an alarm that closes an open batch window on time. */
import { DurableObject } from "cloudflare:workers";
import { enqueueDeliveries } from "../store/outbox";
import { oldestOpenMessage } from "./batches";

/**
 * The timer of one subscription's open batch (key: the subscription id). It holds no events —
 * the open rows are in D1 — only when the window must close; its alarm sends the oldest open
 * row's message, and the claim that takes it forms the batch. Lost alarms cost latency only:
 * open rows stay due in D1 and the sweep re-sends them.
 */
export class BatchWindow extends DurableObject<Env> {
  /** Sets the alarm for `at` unless an earlier one is set. */
  async arm(subscriptionId: string, at: number): Promise<void> {
    await this.ctx.storage.put("subscriptionId", subscriptionId);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  override async alarm(): Promise<void> {
    const subscriptionId = await this.ctx.storage.get<string>("subscriptionId");
    if (!subscriptionId) return;
    const message = await oldestOpenMessage(this.env.DB, subscriptionId, Date.now());
    if (message) await enqueueDeliveries(this.env.DELIVERIES, [message]);
  }
}

/** The window timer stub of a subscription. */
export function batchWindow(env: Env, subscriptionId: string): DurableObjectStub<BatchWindow> {
  return env.BATCH_WINDOW.get(env.BATCH_WINDOW.idFromName(subscriptionId));
}
