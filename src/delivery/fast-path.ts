/** The delivery fast path: the publishing request makes the first attempt of the deliveries it just committed, through the engine; the queue carries the rest. */
import { processDeliveries, resend, type EngineContext } from "./engine";
import { enqueueDeliveries, type DeliveryMessage } from "./store/outbox";
import type { SubscriptionMatcher } from "./store/subscriptions";

/** What the fast path takes from one publish and what it leaves to the queue. */
export interface FastPathSplit {
  taken: DeliveryMessage[];
  queued: DeliveryMessage[];
}

/**
 * Splits due-now messages: up to `limit` of them, of subscriptions that allow it
 * (`fastPath !== false`), are attempted by the publishing request; the rest are enqueued.
 */
export function splitFastPath(messages: readonly DeliveryMessage[], matchers: readonly SubscriptionMatcher[], limit: number): FastPathSplit {
  const excluded = new Set(matchers.filter((m) => m.fastPath === false).map((m) => m.id));
  const split: FastPathSplit = { taken: [], queued: [] };
  for (const message of messages) {
    if (split.taken.length < limit && !excluded.has(message.subscriptionId)) split.taken.push(message);
    else split.queued.push(message);
  }
  return split;
}

function logError(msg: string, error: unknown): void {
  console.error(JSON.stringify({ level: "error", msg, error: String(error) }));
}

/** Messages one fast-path run takes at most (concurrent requests' messages share a run). */
export const FAST_PATH_RUN_LIMIT = 50;
/** How long a run collects messages from concurrent requests of the isolate before it starts. */
export const FAST_PATH_COLLECT_MS = 2;

interface Run {
  ctx: EngineContext;
  messages: DeliveryMessage[];
  done: Promise<void>;
}

/** The run collecting messages, per env (an isolate serves one env; tests make others). */
const collecting = new WeakMap<Env, Run>();

/**
 * First attempts, run in the publishing request's waitUntil. Requests publishing in the same few
 * milliseconds share one run (one claim batch, one record batch, one guard report per
 * subscription), which the first of them hosts; each request waits for it. Never throws.
 */
export function attemptFirst(ctx: EngineContext, messages: DeliveryMessage[]): Promise<void> {
  if (messages.length === 0) return Promise.resolve();
  let run = collecting.get(ctx.env);
  if (!run || run.messages.length + messages.length > FAST_PATH_RUN_LIMIT) {
    const fresh: Run = { ctx, messages: [], done: Promise.resolve() };
    fresh.done = new Promise<void>((resolve) =>
      setTimeout(() => {
        if (collecting.get(ctx.env) === fresh) collecting.delete(ctx.env);
        resolve(attemptNow(fresh.ctx, fresh.messages));
      }, FAST_PATH_COLLECT_MS),
    );
    collecting.set(ctx.env, fresh);
    run = fresh;
  }
  run.messages.push(...messages);
  return run.done;
}

/**
 * One run: the consumer's stages (admit → claim → send → record), then retries and deferrals go
 * to the queue with their delays. If the engine throws, every message is enqueued: a row already
 * claimed refuses the message's old generation and is retried by the sweep once its lease ends
 * (same webhook-id), so nothing is lost and nothing is attempted twice at once. Never throws.
 */
async function attemptNow(ctx: EngineContext, messages: DeliveryMessage[]): Promise<void> {
  let processed;
  try {
    processed = await processDeliveries(ctx, messages);
  } catch (error) {
    logError("fast path failed; its deliveries go through the queue", error);
    await enqueueDeliveries(ctx.env.DELIVERIES, messages).catch((e: unknown) => logError("enqueueing after the fast path failed; the sweep will retry", e));
    return;
  }
  await resend(ctx.env, processed).catch((error: unknown) => logError("enqueueing fast-path retries failed; the sweep will retry", error));
}
