/** The queue consumers (thin edges): deliveries through the engine, dead letters, and the test destination queue's sink. */
import { deadLettered, processDeliveries, resend, type EngineContext } from "./engine";
import type { DeliveryMessage } from "./store/outbox";
import { recordSunk } from "./store/queue-sink";

/** The dead-letter queue's name (wrangler.toml). */
export const DEAD_LETTER_QUEUE = "edgehook-deliveries-dlq";
/** The destination queue the conformance tests deliver to; its consumer keeps what arrives (queue_sink). */
export const SINK_QUEUES: readonly string[] = ["edgehook-destination-test"];

/** Parses a queue message body; null when it is not a delivery message. */
function parseDeliveryMessage(body: unknown): DeliveryMessage | null {
  const b = body as Partial<DeliveryMessage> | null;
  if (!b || typeof b.deliveryId !== "string" || typeof b.subscriptionId !== "string" || typeof b.attempt !== "number") return null;
  return { deliveryId: b.deliveryId, subscriptionId: b.subscriptionId, attempt: b.attempt };
}

/**
 * Deliveries consumer: the engine processes the batch; retries and deferrals are re-sent with their
 * delay before every message is acked (if the send fails the batch is retried and the claim check
 * drops duplicates). A message names the row generation it expects, which msg.retry() could not update.
 */
export async function consumeDeliveries(ctx: EngineContext, batch: MessageBatch<unknown>): Promise<void> {
  const messages = batch.messages.map((m) => parseDeliveryMessage(m.body)).filter((m) => m !== null);
  const processed = await processDeliveries(ctx, messages);
  await resend(ctx.env, processed);
  for (const message of batch.messages) message.ack();
}

/** Dead-letter consumer: records every dead-lettered delivery as failed (unless it succeeded meanwhile). */
export async function consumeDeadLetters(env: Env, batch: MessageBatch<unknown>): Promise<void> {
  const ids = batch.messages.map((m) => parseDeliveryMessage(m.body)?.deliveryId).filter((id): id is string => id !== undefined);
  await deadLettered(env, ids);
  batch.ackAll();
}

/** Sink consumer of a test destination queue: keeps each message (one day) so a test or a deploy check can see it. */
export async function consumeSink(env: Env, batch: MessageBatch<unknown>): Promise<void> {
  await recordSunk(env.DB, batch.queue, batch.messages.map((m) => ({ id: m.id, body: m.body })), Date.now());
  batch.ackAll();
}
