/** publish(): the one way an event enters the system — stored with its resource in one D1 batch, then fanned out. */
import { insertEventStatement, type StoredEvent } from "./events/store";
import { nextEventId } from "./lib/ids";
import { handToHub } from "./stream/hub-client";

/** What a caller publishes. */
export interface PublishInput {
  type: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

/** Options for publish. */
export interface PublishOptions {
  /** Resource writes that must commit atomically with the events (e.g. the task row). */
  statements?: D1PreparedStatement[];
  now?: number;
}

/**
 * Stores the events together with `options.statements` in one D1 batch (all or nothing) and
 * returns them in publish order. Fan-out (outbox rows for matching subscriptions, the SSE hub)
 * hangs off this function: outbox rows join the same batch, the hub hand-off goes to
 * `ctx.waitUntil` so the caller never waits for it.
 */
export async function publishAll(env: Env, ctx: ExecutionContext, inputs: PublishInput[], options: PublishOptions = {}): Promise<StoredEvent[]> {
  const createdAt = options.now ?? Date.now();
  const events = inputs.map((input) => {
    const event: StoredEvent = { id: nextEventId(), type: input.type, data: input.data, createdAt };
    if (input.metadata) event.metadata = input.metadata;
    return event;
  });
  await env.DB.batch([...(options.statements ?? []), ...events.map((event) => insertEventStatement(env.DB, event))]);
  ctx.waitUntil(handToHub(env, events));
  return events;
}

/** publishAll for a single event. */
export async function publish(env: Env, ctx: ExecutionContext, input: PublishInput, options: PublishOptions = {}): Promise<StoredEvent> {
  const [event] = await publishAll(env, ctx, [input], options);
  return event!;
}
