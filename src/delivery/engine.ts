/**
 * The delivery engine, the one orchestrator: guard → claim → send → record → settle. The queue
 * consumer, POST /subscriptions/:id/test, a delivery's retry and the sweep all go through it; its
 * side effects (announce a disable, metrics, audit) are passed in from the Worker entry.
 */
import { getConfig, type Config } from "../config";
import { toWireEvent } from "../events/store";
import { openHeaders } from "./core/sealed-headers";
import { BATCH_TYPE, batchBody, decide, GONE_REASON, healthChange, type AttemptResult, type Outcome, type Settlement } from "./core";
import { claim, type Claim, type ProcessedMessage } from "./claim";
import { openParams, sendContext } from "./send-context";
import { destinationOf, notSent } from "./destinations";
import { promotedMessages, promoteStatement } from "./modes/fifo";
import { recordStatements } from "./store/claims";
import { markDeadLettered, restartDelivery } from "./store/deliveries";
import { endpointGuard } from "./store/endpoint-guard";
import type { AttemptSignal } from "./core/adaptive-rate";
import { paceWaits } from "./core/endpoint-health";
import { enqueueDeliveries, nextDueAt, takeOverdue, type DeliveryMessage } from "./store/outbox";
import { healthStatement, type HealthRow } from "./store/health";
import { destinationConfigOf, retryPolicyOf, type SubscriptionRow } from "./store/subscriptions";
import { renderPayload } from "./template";
import type { TenantDb } from "../tenants/tenant-db";

/** How long an isolate trusts a guard's "closed, no rate" answer before asking it again. */
const ADMIT_HINT_MS = 1000;

/** A subscription the engine disabled, to announce as `subscription.disabled`. */
export interface DisabledNotice {
  subscriptionId: string;
  tenantId: string;
  url: string;
  reason: string;
  consecutiveFailures: number;
}

/** The engine's side effects, built by the Worker entry: nothing in the engine imports upward. */
export interface EngineEffects {
  /** Publishes `subscription.disabled` for subscriptions the engine just disabled. */
  disabled(notices: DisabledNotice[]): Promise<unknown>;
  /** Counts one finished attempt (metrics: the gateway's series and its tenant's). */
  attempted(outcome: Outcome, tenantId: string): void;
  /** Writes an audit entry for a change the engine made (there is no request behind it). */
  audit(action: string, target: { type: string; id: string }, details: Record<string, unknown>, tenantId: string): Promise<unknown>;
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

export type { Claim, ProcessedMessage } from "./claim";

/** A sent claim with its decision; a batch yields one per member, the members after the first marked `follower`. */
export interface Sent extends Claim {
  outcome: Outcome;
  settlement: Settlement;
  /** A batch member other than the first: its outcome is recorded, its message is not sent again. */
  follower?: boolean;
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

/**
 * Per subscription, the newest guard report seen: while it said "closed, no rate", admit() is
 * skipped until `until`. `sequence` keeps an older report that arrives late from overriding it.
 */
const admitHints = new Map<string, { until: number; sequence: number }>();

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
      if ((admitHints.get(subscriptionId)?.until ?? 0) > now) return;
      const admission = await endpointGuard(env, subscriptionId).admit(list.length);
      const held = list.slice(admission.admitted);
      const spread = admission.paced ? paceWaits(admission.waitMs, held.length) : held.map(() => admission.waitMs);
      held.forEach((m, i) => waits.set(m.index, spread[i]!));
    }),
  );
  return waits;
}

/** The message a claim sends: the rendered event, or for a batch the envelope of its members' wire events (webhook-id = batch id). */
function outboundOf({ sub, event, row, batch }: Claim, params?: Record<string, string>) {
  if (batch) {
    const body = batchBody(batch.id, batch.members.map((m) => JSON.stringify(toWireEvent(m.event))));
    return { eventId: batch.id, eventType: BATCH_TYPE, body, attempt: row.attempts };
  }
  const payload = renderPayload(toWireEvent(event), sub.template === null ? null : JSON.parse(sub.template), params);
  return { eventId: event.id, eventType: event.type, ...payload, attempt: row.attempts };
}

/** One attempt through the subscription's destination; never throws. */
async function attempt(env: Env, config: Config, claim: Claim, now: number): Promise<AttemptResult> {
  const { sub } = claim;
  const destination = destinationOf(sub.destination_type);
  if (!destination) return notSent(`unknown destination type "${sub.destination_type}"`, "fail");
  try {
    const params = await openParams(config, sub);
    const ctx = await sendContext(env, config, sub, now, params);
    return await destination.send(outboundOf(claim, params), ctx);
  } catch (error) {
    return notSent(`could not prepare the request: ${String(error)}`, "retry");
  }
}

/** The decision for a claim: one per member of a batch (all from the one attempt), the first carrying the claim's message. */
function decideAll(c: Claim, result: AttemptResult): Sent[] {
  const policy = retryPolicyOf(c.sub);
  const members = c.batch?.members ?? [{ row: c.row, event: c.event }];
  return members.map(({ row, event }, i) => {
    const decision = decide({ deliveryId: row.id, subscriptionId: c.sub.id, attempt: row.attempts, roundStart: row.round_start }, result, policy);
    if (c.batch) decision.outcome.batchId = c.batch.id;
    const message = i === 0 ? c.message : { deliveryId: row.id, subscriptionId: c.sub.id, attempt: row.attempts - 1 };
    return { ...c, row, event, message, retryAfterMs: result.retryAfterMs, ...decision, ...(i > 0 ? { follower: true } : {}) };
  });
}

/** Send stage: every claim in parallel, each decided by the pure core; completion order. */
async function send(env: Env, claims: readonly Claim[], now: number): Promise<Sent[]> {
  const config = getConfig(env);
  const sent = await Promise.all(claims.map(async (c) => decideAll(c, await attempt(env, config, c, now))));
  return sent.flat().sort((a, b) => a.outcome.finishedAt - b.outcome.finishedAt);
}

/** What the record stage reports: subscriptions it disabled, and FIFO heads it made due (to enqueue now). */
export interface Recorded {
  disabled: DisabledNotice[];
  promoted: DeliveryMessage[];
}

/** What the endpoint's guard learns from one sent attempt (breaker window, adaptive rate). */
function attemptSignal(s: Sent): AttemptSignal {
  const { outcome } = s;
  return { success: outcome.verdict === "success", statusCode: outcome.statusCode, durationMs: outcome.durationMs, retryAfterMs: s.retryAfterMs ?? null, finishedAt: outcome.finishedAt };
}

/**
 * Record stage, one D1 batch: attempts, delivery states, the next head of every FIFO key whose
 * head finished, and per subscription its consecutive failures (disabling at the threshold or on
 * 410 in the same statement); the guards' breaker windows in parallel. A batch counts as one
 * request for health (its first member's outcome).
 */
async function record(env: Env, sent: readonly Sent[]): Promise<Recorded> {
  const db = env.DB;
  const finished = Date.now();
  const disableAfter = getConfig(env).delivery.disableAfterFailures;
  const bySubscription = groupBy(
    sent.filter((s) => !s.follower),
    (s) => s.sub.id,
  );
  const health = [...bySubscription].map(([id, list]) => healthStatement(db, id, healthChange(list.map((s) => s.outcome)), { disableAfter, goneReason: GONE_REASON, now: finished }));
  const finishedKeys = sent.filter((s) => s.row.ordering_key !== null && s.outcome.status !== "retrying").map((s) => ({ subscriptionId: s.sub.id, key: s.row.ordering_key! }));
  const promote = finishedKeys.length ? [promoteStatement(db, finishedKeys, finished)] : [];
  const [results] = await Promise.all([
    db.batch([...recordStatements(db, sent.map((s) => s.outcome), finished), ...promote, ...health]),
    ...[...bySubscription].map(async ([id, list]) => {
      const report = await endpointGuard(env, id).record(list.map(attemptSignal));
      if (report.sequence < (admitHints.get(id)?.sequence ?? 0)) return;
      admitHints.set(id, { until: report.admitFreely ? Date.now() + ADMIT_HINT_MS : 0, sequence: report.sequence });
    }),
  ]);
  const promoted = promote.length ? promotedMessages(results[2]!) : [];
  const disabled = results
    .slice(-health.length)
    .flatMap((r) => r.results as HealthRow[])
    .filter((h) => h.disabled_now === 1)
    .map((h) => ({ subscriptionId: h.id, tenantId: h.tenant_id, url: h.url, reason: h.disabled_reason ?? "", consecutiveFailures: h.consecutive_failures }));
  return { disabled, promoted };
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
  const { disabled, promoted } = await stages.record(env, sent);
  const exhausted = sent.filter((s) => s.outcome.status === "failed").map((s) => s.message);
  // Chunked like any enqueue: a failed batch dead-letters every member (up to 100 each).
  if (exhausted.length) await enqueueDeliveries(env.DEAD_LETTERS as Queue<DeliveryMessage>, exhausted);
  for (const s of sent) {
    effects.attempted(s.outcome, s.sub.tenant_id);
    if (s.follower) continue;
    processed.push({ index: s.index, message: s.message, settlement: s.settlement, outcome: s.outcome, ...(s.settlement.action === "ack" ? {} : { next: { ...s.message, attempt: s.outcome.attempt } }) });
  }
  // A FIFO key's next head goes now (D1 already made it due, so a lost send only waits for the sweep).
  for (const message of promoted) processed.push({ index: -1, message, settlement: { action: "ack" }, next: message });
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
    ...notices.map((n) => ctx.effects.audit("subscription.disable", { type: "subscription", id: n.subscriptionId }, { reason: n.reason, consecutiveFailures: n.consecutiveFailures }, n.tenantId)),
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

/** Starts a new round for one delivery (of a tenant `db` sees) and enqueues it: `queued`, `sending` (busy now) or `missing`. */
export async function retryDelivery(env: Env, db: TenantDb, subscriptionId: string, deliveryId: string, now = Date.now()): Promise<"queued" | "sending" | "missing"> {
  const restarted = await restartDelivery(db, subscriptionId, deliveryId, now);
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
