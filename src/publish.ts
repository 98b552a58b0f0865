/** publish(): the one way an event enters the system — stored with its resource and outbox rows in one D1 batch, then fanned out. */
import { routePublished } from "./automation/dispatch";
import { getConfig } from "./config";
import { splitFastPath } from "./delivery/fast-path";
import { armSweeper, enqueueDeliveries, planOutbox, subscriptionSnapshot, type DeliveryMessage } from "./delivery/store/outbox";
import type { SubscriptionMatcher } from "./delivery/store/subscriptions";
import { payloadStore } from "./events/payload-store";
import { prepareEventInsert, type InsertCondition, type StoredEvent } from "./events/store";
import type { EventType } from "./events/types";
import { nextEventId } from "./lib/ids";
import { handToHub } from "./stream/hub-client";

/** What a caller publishes. */
export interface PublishInput {
  /** A pre-allocated id (from nextEventId()) when a statement in the same batch must name the event. */
  id?: string;
  /** The tenant the event belongs to: only its subscriptions, rules and streams receive it. */
  tenantId: string;
  /** A catalogue type (an unlisted one does not compile), a provider type, or a checked custom type. */
  type: EventType;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  /** Epoch ms before which its deliveries are not attempted (POST /events `deliverAt`); the stream has it at once. */
  deliverAt?: number;
}

/** The longest delay a queue message may carry (Cloudflare Queues: 12 h); later rows are left to the sweep. */
export const MAX_QUEUE_DELAY_SECONDS = 43_200;

/** The part of an execution context publish needs: somewhere to hand work that outlives the response. */
export type BackgroundContext = Pick<ExecutionContext, "waitUntil">;

/** Makes the first attempt of just-committed deliveries (the fast path); never throws. */
export type FirstAttempts = (env: Env, ctx: BackgroundContext, messages: DeliveryMessage[]) => Promise<void>;

let firstAttempts: FirstAttempts | null = null;

/**
 * Sets the fast path (the Worker entry does, with the engine's effects). Without one, or with
 * DELIVERY_FAST_PATH_LIMIT 0, every due delivery goes through the queue.
 */
export function useFastPath(attempt: FirstAttempts | null): void {
  firstAttempts = attempt;
}

/** Options for publish. */
export interface PublishOptions {
  /** Resource writes that must commit atomically with the events (e.g. the task row). */
  statements?: D1PreparedStatement[];
  /**
   * Publish only if the last of `statements` changed a row (e.g. a guarded state transition):
   * the event rows (and their outbox rows) are inserted conditionally inside the same batch, so a
   * lost race publishes nothing and returns no events.
   */
  requireChange?: boolean;
  now?: number;
  /** Deliver only to these subscriptions, skipping matching (e.g. `webhook.test`). */
  targets?: SubscriptionMatcher[];
  /** false: write the outbox rows but leave sending to the caller (it processes them itself). */
  enqueue?: boolean;
  /**
   * Queries run first in the same batch (one transaction, no extra round trip); their results come
   * back from publishBatch. A read sees the state just before this publish's writes.
   */
  reads?: D1PreparedStatement[];
}

/** A published event with the outbox rows written for it. */
export interface PublishedEvent extends StoredEvent {
  /** Delivery rows written (held rows of paused subscriptions included). */
  deliveryCount: number;
  /** Queue messages of the rows due now. */
  deliveries: DeliveryMessage[];
}

/**
 * Stores the events, one outbox row per matching subscription, and `options.statements` in one
 * D1 batch (all or nothing) and returns them in publish order with the results of `options.reads`.
 * After the commit, through `ctx.waitUntil` (the caller never waits): up to DELIVERY_FAST_PATH_LIMIT
 * rows due now are attempted here (the fast path), the rest go to the deliveries queue; if either
 * is lost the outbox sweep re-enqueues the rows.
 */
export async function publishBatch(
  env: Env,
  ctx: BackgroundContext,
  inputs: PublishInput[],
  options: PublishOptions = {},
): Promise<{ events: PublishedEvent[]; reads: D1Result[] }> {
  const createdAt = options.now ?? Date.now();
  const events = inputs.map((input) => {
    const event: StoredEvent = { id: input.id ?? nextEventId(), type: input.type, data: input.data, createdAt, tenantId: input.tenantId };
    if (input.metadata) event.metadata = input.metadata;
    return event;
  });
  const statements = options.statements ?? [];
  const conditional = options.requireChange === true && statements.length > 0;
  const conditionFor = (i: number): InsertCondition =>
    !conditional ? { kind: "always" } : i === 0 ? { kind: "previous-changed" } : { kind: "event-exists", eventId: events[0]!.id };
  const matchers = options.targets ?? (await subscriptionSnapshot(env.DB, getConfig(env).delivery.subscriptionCacheTtlMs, createdAt));
  const dueAt = new Map(inputs.flatMap((input, i) => (input.deliverAt !== undefined && input.deliverAt > createdAt ? [[events[i]!.id, input.deliverAt] as const] : [])));
  const outbox = planOutbox(env.DB, events, matchers, { exact: options.targets !== undefined, onlyIfEventStored: conditional, dueAt });
  const reads = options.reads ?? [];
  // Large data goes through the payload store (an R2 value is written now, before the batch).
  const store = payloadStore(env);
  const inserts = await Promise.all(events.map((event, i) => prepareEventInsert(store, env.DB, event, conditionFor(i))));
  const discard = () => store.discard(inserts.map((insert) => insert.payload));
  const results = await env.DB.batch([...reads, ...statements, ...inserts.flatMap((insert) => insert.statements), ...outbox.statements]).catch(async (error: unknown) => {
    await discard();
    throw error;
  });
  const readResults = results.slice(0, reads.length);
  if (conditional && results[reads.length + statements.length - 1]!.meta.changes === 0) {
    await discard();
    return { events: [], reads: readResults };
  }
  ctx.waitUntil(handToHub(env, events));
  ctx.waitUntil(routePublished(env, events, createdAt).catch((error: unknown) => console.error(JSON.stringify({ level: "error", msg: "automation routing failed", error: String(error) }))));
  if (outbox.statements.length > 0) armSweeper(env, ctx, createdAt);
  if (outbox.messages.length > 0 && options.enqueue !== false) {
    // Rows due later (deliverAt) are sent with that delay, or left to the sweep beyond the queue's maximum.
    const byDelay = new Map<number, DeliveryMessage[]>();
    for (const event of events) {
      const delaySeconds = Math.ceil(((dueAt.get(event.id) ?? createdAt) - createdAt) / 1000);
      if (delaySeconds > MAX_QUEUE_DELAY_SECONDS) continue;
      byDelay.set(delaySeconds, [...(byDelay.get(delaySeconds) ?? []), ...(outbox.perEvent.get(event.id)?.messages ?? [])]);
    }
    const limit = firstAttempts ? getConfig(env).delivery.fastPathLimit : 0;
    for (const [delaySeconds, due] of byDelay) {
      // Up to `limit` rows due now get their first attempt from this request, after the response.
      const { taken, queued: messages } = delaySeconds === 0 ? splitFastPath(due, matchers, limit) : { taken: [], queued: due };
      if (taken.length > 0) ctx.waitUntil(firstAttempts!(env, ctx, taken));
      if (messages.length === 0) continue;
      ctx.waitUntil(
        enqueueDeliveries(env.DELIVERIES, messages, { delaySeconds }).catch((error: unknown) =>
          console.error(JSON.stringify({ level: "error", msg: "enqueueing deliveries failed; the sweep will retry", error: String(error) })),
        ),
      );
    }
  }
  const published = events.map((event) => {
    const mine = outbox.perEvent.get(event.id);
    return { ...event, deliveryCount: mine?.count ?? 0, deliveries: mine?.messages ?? [] };
  });
  return { events: published, reads: readResults };
}

/** publishBatch without reads: the published events, or none when `requireChange` found no change. */
export async function publishAll(env: Env, ctx: BackgroundContext, inputs: PublishInput[], options: PublishOptions = {}): Promise<PublishedEvent[]> {
  return (await publishBatch(env, ctx, inputs, options)).events;
}

/** publishAll for a single event. */
export async function publish(env: Env, ctx: BackgroundContext, input: PublishInput, options: PublishOptions = {}): Promise<PublishedEvent> {
  const [event] = await publishAll(env, ctx, [input], options);
  return event!;
}
