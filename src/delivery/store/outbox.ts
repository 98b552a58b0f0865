/** The transactional outbox: matching events to subscriptions (isolate-cached), outbox rows, enqueueing, the sweep's statements and arming its alarm. */
import { isolateSnapshot } from "../../lib/isolate-snapshot";
import { getConfig } from "../../config";
import { toWireEvent, type StoredEvent } from "../../events/store";
import { newId } from "../../lib/ids";
import { matchesAnyPattern, matchesFilter } from "../core/match";
import { orderingKeyOf } from "../core/modes";
import { loadMatchers, type SubscriptionMatcher } from "./subscriptions";

/** The body of a deliveries queue message. `attempt` is the row's attempts count when enqueued. */
export interface DeliveryMessage {
  deliveryId: string;
  subscriptionId: string;
  attempt: number;
}

/** Messages per sendBatch call (the Queues limit). */
export const SEND_BATCH_LIMIT = 100;

const matchersSnapshot = isolateSnapshot<SubscriptionMatcher[]>();

/** Drops this isolate's subscription snapshot (after a subscription is created, changed or deleted here). */
export function forgetCachedSubscriptions(): void {
  matchersSnapshot.forget();
}

/**
 * The subscriptions for matching, from an isolate snapshot refreshed after `ttlMs`: publishing
 * costs no D1 read on a hit. Changes made in this isolate drop the snapshot at once; changes made
 * elsewhere are seen within the TTL (see docs/decisions.md).
 */
export function subscriptionSnapshot(db: D1Database, ttlMs: number, now = Date.now()): Promise<SubscriptionMatcher[]> {
  return matchersSnapshot.get(() => loadMatchers(db), ttlMs, now);
}

/** The subscriptions (active or held) that receive an event: type pattern, then filters over the wire body. */
export function matchEvent(matchers: readonly SubscriptionMatcher[], event: StoredEvent): SubscriptionMatcher[] {
  const candidates = matchers.filter((m) => matchesAnyPattern(m.events, event.type));
  if (candidates.length === 0) return candidates;
  const body = toWireEvent(event);
  return candidates.filter((m) => matchesFilter(m.filters, body));
}

/** Outbox statements for the publishing batch and the messages to send once it commits. */
export interface OutboxPlan {
  statements: D1PreparedStatement[];
  messages: DeliveryMessage[];
  /** Delivery rows written per event id (held ones included) and the messages among them. */
  perEvent: Map<string, { count: number; messages: DeliveryMessage[] }>;
}

/**
 * One `pending` delivery row per (event, matching subscription). Rows of paused or disabled
 * subscriptions are written held (next_at NULL) and wait for resume; only active ones are enqueued.
 * A FIFO subscription's row carries its key value (ordering_key), read from the wire event now.
 */
export function planOutbox(db: D1Database, events: readonly StoredEvent[], matchers: readonly SubscriptionMatcher[], options: PlanOutboxOptions = {}): OutboxPlan {
  const plan: OutboxPlan = { statements: [], messages: [], perEvent: new Map() };
  // With onlyIfEventStored a row is written only when its event row was (guarded publishes).
  const insert = db.prepare(
    `INSERT INTO deliveries (id, event_id, subscription_id, event_type, status, attempts, round_start, next_at, created_at, updated_at, ordering_key, tenant_id)
      SELECT ?1, ?2, ?3, ?4, 'pending', 0, 0, ?5, ?6, ?6, ?7, ?8 ${options.onlyIfEventStored ? "WHERE EXISTS (SELECT 1 FROM events WHERE id = ?2)" : ""}`,
  );
  for (const event of events) {
    // A tenant's events pair only with its own subscriptions, exact targets included.
    const own = matchers.filter((m) => m.tenantId === event.tenantId);
    const targets = options.exact ? own : matchEvent(own, event);
    const mine = { count: targets.length, messages: [] as DeliveryMessage[] };
    plan.perEvent.set(event.id, mine);
    for (const target of targets) {
      const deliveryId = newId("dlv");
      const key = target.ordering ? orderingKeyOf(target.ordering, toWireEvent(event)) : null;
      plan.statements.push(insert.bind(deliveryId, event.id, target.id, event.type, target.active ? (options.dueAt?.get(event.id) ?? event.createdAt) : null, event.createdAt, key, event.tenantId));
      if (target.active) mine.messages.push({ deliveryId, subscriptionId: target.id, attempt: 0 });
    }
    plan.messages.push(...mine.messages);
  }
  return plan;
}

/** Options of planOutbox. */
export interface PlanOutboxOptions {
  /** Deliver to exactly these subscriptions, without pattern or filter matching (test deliveries). */
  exact?: boolean;
  /** Write each row only if its event row exists (the event insert was conditional). */
  onlyIfEventStored?: boolean;
  /** When the rows of an event fall due, by event id, if later than its creation (`deliverAt`). */
  dueAt?: ReadonlyMap<string, number>;
}

/** Options of enqueueDeliveries. */
export interface EnqueueOptions {
  delaySeconds?: number;
}

/** Sends messages to the deliveries queue in chunks; a lost send only delays delivery until the sweep. */
export async function enqueueDeliveries(queue: Queue<DeliveryMessage>, messages: readonly DeliveryMessage[], options: EnqueueOptions = {}): Promise<void> {
  for (let i = 0; i < messages.length; i += SEND_BATCH_LIMIT) {
    const chunk = messages.slice(i, i + SEND_BATCH_LIMIT).map((body) => ({ body, contentType: "json" as const, ...(options.delaySeconds ? { delaySeconds: options.delaySeconds } : {}) }));
    await queue.sendBatch(chunk);
  }
}

/** Rows re-enqueued per sweep statement. */
export const SWEEP_LIMIT = 500;

/**
 * Takes up to SWEEP_LIMIT rows (pending, retrying, or sending with an expired lease) more than
 * `graceMs` past due, bumping next_at to now so the next sweep waits another grace period.
 */
export async function takeOverdue(db: D1Database, now: number, graceMs: number): Promise<{ messages: DeliveryMessage[]; more: boolean }> {
  const rows = await db
    .prepare(
      `UPDATE deliveries SET next_at = ?1, updated_at = ?1
        WHERE id IN (SELECT id FROM deliveries WHERE next_at <= ?2 ORDER BY next_at LIMIT ?3)
        RETURNING id, subscription_id, attempts`,
    )
    .bind(now, now - graceMs, SWEEP_LIMIT)
    .all<{ id: string; subscription_id: string; attempts: number }>();
  const messages = rows.results.map((r) => ({ deliveryId: r.id, subscriptionId: r.subscription_id, attempt: r.attempts }));
  return { messages, more: messages.length === SWEEP_LIMIT };
}

/** The smallest next_at still outstanding (epoch ms), or null when nothing is in flight. */
export async function nextDueAt(db: D1Database): Promise<number | null> {
  return (await db.prepare("SELECT MIN(next_at) AS at FROM deliveries WHERE next_at IS NOT NULL").first<{ at: number | null }>())?.at ?? null;
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
