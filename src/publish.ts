/** publish(): the one way an event enters the system — stored with its resource in one D1 batch, then fanned out. */
import { insertEventStatement, type InsertCondition, type StoredEvent } from "./events/store";
import { nextEventId } from "./lib/ids";
import { handToHub } from "./stream/hub-client";

/** What a caller publishes. */
export interface PublishInput {
  /** A pre-allocated id (from nextEventId()) when a statement in the same batch must name the event. */
  id?: string;
  type: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

/** The part of an execution context publish needs: somewhere to hand work that outlives the response. */
export type BackgroundContext = Pick<ExecutionContext, "waitUntil">;

/** Options for publish. */
export interface PublishOptions {
  /** Resource writes that must commit atomically with the events (e.g. the task row). */
  statements?: D1PreparedStatement[];
  /**
   * Publish only if the last of `statements` changed a row (e.g. a guarded state transition):
   * the event rows are inserted conditionally inside the same batch, so a lost race publishes
   * nothing and returns no events.
   */
  requireChange?: boolean;
  now?: number;
}

/**
 * Stores the events together with `options.statements` in one D1 batch (all or nothing) and
 * returns them in publish order. Fan-out (outbox rows for matching subscriptions, the SSE hub)
 * hangs off this function: outbox rows join the same batch, the hub hand-off goes to
 * `ctx.waitUntil` so the caller never waits for it.
 */
export async function publishAll(env: Env, ctx: BackgroundContext, inputs: PublishInput[], options: PublishOptions = {}): Promise<StoredEvent[]> {
  const createdAt = options.now ?? Date.now();
  const events = inputs.map((input) => {
    const event: StoredEvent = { id: input.id ?? nextEventId(), type: input.type, data: input.data, createdAt };
    if (input.metadata) event.metadata = input.metadata;
    return event;
  });
  const statements = options.statements ?? [];
  const conditional = options.requireChange === true && statements.length > 0;
  const conditionFor = (i: number): InsertCondition =>
    !conditional ? { kind: "always" } : i === 0 ? { kind: "previous-changed" } : { kind: "event-exists", eventId: events[0]!.id };
  const results = await env.DB.batch([...statements, ...events.map((event, i) => insertEventStatement(env.DB, event, conditionFor(i)))]);
  if (conditional && results[statements.length - 1]!.meta.changes === 0) return [];
  ctx.waitUntil(handToHub(env, events));
  return events;
}

/** publishAll for a single event. */
export async function publish(env: Env, ctx: BackgroundContext, input: PublishInput, options: PublishOptions = {}): Promise<StoredEvent> {
  const [event] = await publishAll(env, ctx, [input], options);
  return event!;
}
