/**
 * The delivery engine, the one orchestrator: guard → claim → send → record → settle. The queue
 * consumer, POST /subscriptions/:id/test, a delivery's retry and the sweep all go through it; its
 * side effects (announce a disable, metrics, audit) are passed in from the Worker entry.
 */
import { getConfig, type Config } from "../config";
import { payloadStore } from "../events/payload-store";
import { eventsFromRows, toWireEvent, type EventRow, type StoredEvent } from "../events/store";
import { openHeaders } from "./core/sealed-headers";
import { decide, deferral, EVENT_EXPIRED, GONE_REASON, healthChange, type AttemptResult, type Outcome, type Settlement } from "./core";
import { sendContext } from "./send-context";
import { destinationOf, notSent } from "./destinations";
import { claimStatement, deferStatement, holdStatement, loadStatements, recordStatements, settleFailedStatement, type ClaimedRow } from "./store/claims";
import { markDeadLettered, restartDelivery } from "./store/deliveries";
import { endpointGuard } from "./store/endpoint-guard";
import type { AttemptSignal } from "./core/adaptive-rate";
import { paceWaits } from "./core/endpoint-health";
import { enqueueDeliveries, nextDueAt, takeOverdue, type DeliveryMessage } from "./store/outbox";
import { healthStatement, type HealthRow } from "./store/health";
import { destinationConfigOf, retryPolicyOf, type SubscriptionRow } from "./store/subscriptions";
import { renderPayload } from "./template";

/** How long an isolate trusts a guard's "closed, no rate" answer before asking it again. */
const ADMIT_HINT_MS = 1000;

/** A subscription the engine disabled, to announce as `subscription.disabled`. */
export interface DisabledNotice {
  subscriptionId: string;
  url: string;
  reason: string;
  consecutiveFailures: number;
}

/** The engine's side effects, built by the Worker entry: nothing in the engine imports upward. */
export interface EngineEffects {
  /** Publishes `subscription.disabled` for subscriptions the engine just disabled. */
  disabled(notices: DisabledNotice[]): Promise<unknown>;
  /** Counts one finished attempt (metrics). */
  attempted(outcome: Outcome): void;
  /** Writes an audit entry for a change the engine made (there is no request behind it). */
  audit(action: string, target: { type: string; id: string }, details: Record<string, unknown>): Promise<unknown>;
  /** Announces what a batch's outcomes mean elsewhere (delivery.failed, a notification's final status). */
  settled(outcomes: Outcome[]): Promise<unknown>;
}

/** What every engine entry point runs with. */
export interface EngineContext {
  env: Env;
  effects: EngineEffects;
  background: Pick<ExecutionContext, "waitUntil">;
}

/** Builds an engine context for one invocation; `source` names it in audit rows (a request id, `queue`). */
export type EngineFactory = (env: Env, background: Pick<ExecutionContext, "waitUntil">, source: string) => EngineContext;

declare module "../http/context" {
  interface RequestVariables {
    /** The delivery engine with the Worker entry's effects (set by the app). */
    engine: EngineFactory;
  }
}

/** The outcome of one message; index is its position in the processed list. */
export interface ProcessedMessage {
  index: number;
  message: DeliveryMessage;
  settlement: Settlement;
  /** The message to re-send with the settlement's delay (retry: the next generation). */
  next?: DeliveryMessage;
  /** Present when an attempt was made. */
  outcome?: Outcome;
}

/** A claimed message ready to send. */
export interface Claim {
  index: number;
  message: DeliveryMessage;
  row: ClaimedRow;
  sub: SubscriptionRow;
  event: StoredEvent;
}

/** A sent claim with its decision. */
export interface Sent extends Claim {
  outcome: Outcome;
  settlement: Settlement;
  /** The answer's Retry-After (bounded), for the adaptive rate. */
  retryAfterMs?: number | null;
}

/** Options of processDeliveries. */
export interface ProcessOptions {
  /** Skip the circuit breaker and rate (a test delivery asked for by hand). */
  bypassGuard?: boolean;
  now?: number;
  /** Replace a stage (delivery modes, a fast path); see docs/ARCHITECTURE.md. */
  stages?: Partial<EngineStages>;
}

/** Subscriptions whose guard said "closed, no rate" recently: admit() is skipped until the time. */
const admitHints = new Map<string, number>();

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** Guard stage: asks each subscription's guard how many may go; returns the wait of every message held back. */
async function admit(env: Env, messages: readonly DeliveryMessage[], bypass: boolean, now: number): Promise<Map<number, number>> {
  const waits = new Map<number, number>();
  if (bypass) return waits;
  const indexed = messages.map((message, index) => ({ message, index }));
  await Promise.all(
    [...groupBy(indexed, (m) => m.message.subscriptionId)].map(async ([subscriptionId, list]) => {
      if ((admitHints.get(subscriptionId) ?? 0) > now) return;
      const admission = await endpointGuard(env, subscriptionId).admit(list.length);
      const held = list.slice(admission.admitted);
      const spread = admission.paced ? paceWaits(admission.waitMs, held.length) : held.map(() => admission.waitMs);
      held.forEach((m, i) => waits.set(m.index, spread[i]!));
    }),
  );
  return waits;
}

/**
 * Claim stage, one D1 batch: loads subscriptions and events, holds rows of inactive subscriptions,
 * defers what the guard held back, and claims the rest at the generation their message names.
 * Claimed rows whose event retention purged are settled `failed` (event_expired) at once.
 */
async function claim(env: Env, messages: readonly DeliveryMessage[], waits: Map<number, number>, now: number): Promise<{ claims: Claim[]; processed: ProcessedMessage[] }> {
  const db = env.DB;
  const indexed = messages.map((message, index) => ({ message, index }));
  const admitted = indexed.filter((m) => !waits.has(m.index));
  const deferred = indexed.filter((m) => waits.has(m.index)).map((m) => ({ ...m, dueAt: now + waits.get(m.index)! }));
  const statements = [...loadStatements(db, messages), holdStatement(db, messages.map((m) => m.deliveryId), now)];
  if (deferred.length) statements.push(deferStatement(db, deferred, now));
  if (admitted.length) statements.push(claimStatement(db, admitted.map((m) => m.message), now));
  const results = await db.batch(statements);
  const subscriptions = new Map((results[0]!.results as SubscriptionRow[]).map((s) => [s.id, s]));
  // A row whose payload is gone (purged by retention) yields no event: the delivery settles event_expired.
  const events = new Map((await eventsFromRows(payloadStore(env), results[1]!.results as EventRow[])).map((e) => [e.id, e]));
  const claimed = new Map(admitted.length ? (results.at(-1)!.results as ClaimedRow[]).map((r) => [r.id, r]) : []);

  const processed: ProcessedMessage[] = deferred.map(({ message, index, dueAt }) => ({ index, message, settlement: deferral(dueAt - now), next: message }));
  const claims: Claim[] = [];
  const expired: ClaimedRow[] = [];
  for (const { message, index } of admitted) {
    const candidate = claimed.get(message.deliveryId);
    // A row is sent once, for the message at the generation it was claimed with.
    const row = candidate && candidate.attempts === message.attempt + 1 ? candidate : undefined;
    const sub = row && subscriptions.get(row.subscription_id);
    const event = row && events.get(row.event_id);
    if (row) claimed.delete(message.deliveryId);
    if (row && sub && event) claims.push({ index, message, row, sub, event });
    else {
      if (row && sub) expired.push(row);
      processed.push({ index, message, settlement: { action: "ack" } });
    }
  }
  if (expired.length) await db.batch([settleFailedStatement(db, expired, EVENT_EXPIRED, Date.now())]);
  return { claims, processed };
}

/** One attempt through the subscription's destination; never throws. */
async function attempt(env: Env, config: Config, { sub, event, row }: Claim, now: number): Promise<AttemptResult> {
  const destination = destinationOf(sub.destination_type);
  if (!destination) return notSent(`unknown destination type "${sub.destination_type}"`, "fail");
  try {
    const payload = renderPayload(toWireEvent(event), sub.template === null ? null : JSON.parse(sub.template));
    const ctx = await sendContext(env, config, sub, now);
    return await destination.send({ eventId: event.id, eventType: event.type, ...payload, attempt: row.attempts }, ctx);
  } catch (error) {
    return notSent(`could not prepare the request: ${String(error)}`, "retry");
  }
}

/** Send stage: every claim in parallel, each decided by the pure core; completion order. */
async function send(env: Env, claims: readonly Claim[], now: number): Promise<Sent[]> {
  const config = getConfig(env);
  const sent = await Promise.all(
    claims.map(async (c) => {
      const result = await attempt(env, config, c, now);
      return { ...c, retryAfterMs: result.retryAfterMs, ...decide({ deliveryId: c.row.id, subscriptionId: c.sub.id, attempt: c.row.attempts, roundStart: c.row.round_start }, result, retryPolicyOf(c.sub)) };
    }),
  );
  return sent.sort((a, b) => a.outcome.finishedAt - b.outcome.finishedAt);
}

/** What the endpoint's guard learns from one sent attempt (breaker window, adaptive rate). */
function attemptSignal(s: Sent): AttemptSignal {
  const { outcome } = s;
  return { success: outcome.verdict === "success", statusCode: outcome.statusCode, durationMs: outcome.durationMs, retryAfterMs: s.retryAfterMs ?? null, finishedAt: outcome.finishedAt };
}

/**
 * Record stage, one D1 batch: attempts, delivery states, and per subscription its consecutive
 * failures (disabling at the threshold or on 410 in the same statement); the guards' breaker
 * windows in parallel. Returns the subscriptions this batch disabled.
 */
async function record(env: Env, sent: readonly Sent[]): Promise<DisabledNotice[]> {
  const db = env.DB;
  const finished = Date.now();
  const disableAfter = getConfig(env).delivery.disableAfterFailures;
  const bySubscription = groupBy(sent, (s) => s.sub.id);
  const health = [...bySubscription].map(([id, list]) => healthStatement(db, id, healthChange(list.map((s) => s.outcome)), { disableAfter, goneReason: GONE_REASON, now: finished }));
  const [results] = await Promise.all([
    db.batch([...recordStatements(db, sent.map((s) => s.outcome), finished), ...health]),
    ...[...bySubscription].map(async ([id, list]) => {
      const report = await endpointGuard(env, id).record(list.map(attemptSignal));
      if (report.admitFreely) admitHints.set(id, Date.now() + ADMIT_HINT_MS);
      else admitHints.delete(id);
    }),
  ]);
  return results
    .slice(-health.length)
    .flatMap((r) => r.results as HealthRow[])
    .filter((h) => h.disabled_now === 1)
    .map((h) => ({ subscriptionId: h.id, url: h.url, reason: h.disabled_reason ?? "", consecutiveFailures: h.consecutive_failures }));
}

/** The replaceable stages of a batch. */
export interface EngineStages {
  admit: typeof admit;
  claim: typeof claim;
  send: typeof send;
  record: typeof record;
}

/** The stages as wave 2 runs them. */
export const STAGES: EngineStages = { admit, claim, send, record };

/**
 * Processes delivery messages through the stages; exhausted deliveries go to the dead-letter
 * queue; every attempt is counted and every disable announced and audited through the effects.
 */
export async function processDeliveries(ctx: EngineContext, messages: DeliveryMessage[], options: ProcessOptions = {}): Promise<ProcessedMessage[]> {
  const { env, effects } = ctx;
  const stages = { ...STAGES, ...options.stages };
  const now = options.now ?? Date.now();
  const waits = await stages.admit(env, messages, options.bypassGuard ?? false, now);
  const { claims, processed } = await stages.claim(env, messages, waits, now);
  if (claims.length === 0) return processed;
  const sent = await stages.send(env, claims, now);
  const disabled = await stages.record(env, sent);
  const exhausted = sent.filter((s) => s.outcome.status === "failed").map((s) => s.message);
  if (exhausted.length) await env.DEAD_LETTERS.sendBatch(exhausted.map((body) => ({ body, contentType: "json" as const })));
  for (const s of sent) {
    effects.attempted(s.outcome);
    processed.push({ index: s.index, message: s.message, settlement: s.settlement, outcome: s.outcome, ...(s.settlement.action === "ack" ? {} : { next: { ...s.message, attempt: s.outcome.attempt } }) });
  }
  if (disabled.length) ctx.background.waitUntil(announce(ctx, disabled));
  ctx.background.waitUntil(
    effects.settled(sent.map((s) => s.outcome)).catch((error: unknown) => console.error(JSON.stringify({ level: "error", msg: "operational events after a batch not published", error: String(error) }))),
  );
  return processed;
}

/** Announces and audits disables; failures are logged, never thrown (the disable itself is in D1). */
async function announce(ctx: EngineContext, notices: DisabledNotice[]): Promise<void> {
  const results = await Promise.allSettled([
    ctx.effects.disabled(notices),
    ...notices.map((n) => ctx.effects.audit("subscription.disable", { type: "subscription", id: n.subscriptionId }, { reason: n.reason, consecutiveFailures: n.consecutiveFailures })),
  ]);
  for (const r of results) if (r.status === "rejected") console.error(JSON.stringify({ level: "error", msg: "announcing a disabled subscription failed", error: String(r.reason) }));
}

/** Re-sends messages that were not acked outright, grouped by delay. */
export async function resend(env: Env, processed: readonly ProcessedMessage[]): Promise<void> {
  const byDelay = groupBy(processed.filter((p) => p.next), (p) => String(p.settlement.action === "ack" ? 0 : p.settlement.delaySeconds));
  for (const [delay, list] of byDelay) await enqueueDeliveries(env.DELIVERIES, list.map((p) => p.next!), { delaySeconds: Number(delay) });
}

/** A test delivery now (bypassing the guard); a retry it schedules is enqueued in the background. */
export async function deliverNow(ctx: EngineContext, message: DeliveryMessage): Promise<ProcessedMessage> {
  const processed = await processDeliveries(ctx, [message], { bypassGuard: true });
  ctx.background.waitUntil(resend(ctx.env, processed));
  return processed[0]!;
}

/** Starts a new round for one delivery and enqueues it: `queued`, `sending` (busy now) or `missing`. */
export async function retryDelivery(env: Env, subscriptionId: string, deliveryId: string, now = Date.now()): Promise<"queued" | "sending" | "missing"> {
  const restarted = await restartDelivery(env.DB, subscriptionId, deliveryId, now);
  if (restarted.message) await enqueueDeliveries(env.DELIVERIES, [restarted.message]);
  return restarted.message ? "queued" : restarted.exists ? "sending" : "missing";
}

/** What a sweep did and when the next row falls due. */
export interface SweepResult {
  enqueued: number;
  /** Smallest next_at still outstanding (epoch ms), or null when nothing is in flight. */
  nextDueAt: number | null;
}

/** Rounds of the sweep per run (each takes up to SWEEP_LIMIT rows). */
const SWEEP_MAX_ROUNDS = 10;

/** Re-enqueues rows more than `graceMs` past due (lost messages, crashed consumers); duplicates are dropped at claim. */
export async function sweep(env: Env, now: number, graceMs: number): Promise<SweepResult> {
  let enqueued = 0;
  for (let round = 0; round < SWEEP_MAX_ROUNDS; round++) {
    const { messages, more } = await takeOverdue(env.DB, now, graceMs);
    await enqueueDeliveries(env.DELIVERIES, messages);
    enqueued += messages.length;
    if (!more) break;
  }
  return { enqueued, nextDueAt: await nextDueAt(env.DB) };
}

/** Records dead-lettered deliveries as failed (unless delivered meanwhile). */
export function deadLettered(env: Env, deliveryIds: readonly string[], now = Date.now()): Promise<number> {
  return markDeadLettered(env.DB, deliveryIds, now);
}
