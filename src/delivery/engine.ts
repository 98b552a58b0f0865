/** The deliveries queue consumer: claim → guard → sign and send → record attempts → ack, re-send with delay, or dead-letter. */
import { getConfig, type Config } from "../config";
import { fromRow, toWireEvent, type EventRow, type StoredEvent } from "../events/store";
import { openSecret } from "../lib/secret-box";
import { sendAttempt, type AttemptResult } from "./destinations/http-attempt";
import { claimStatement, deferStatement, healthStatement, holdStatement, loadStatements, recordStatements, type ClaimedRow, type Outcome } from "./store/claims";
import { markDeadLettered } from "./store/deliveries";
import { checkDestination } from "./destinations/url-guard";
import { endpointGuard } from "./store/endpoint-guard";
import { enqueueDeliveries, type DeliveryMessage } from "./store/outbox";
import { nextRetryDelayMs, toDelaySeconds } from "./core/retry-policy";
import { retryPolicyOf, setStatusStatement, type AuthSecret, type SubscriptionRow } from "./store/subscriptions";
import { renderBody } from "./template";

/** The dead-letter queue's name (wrangler.toml). */
export const DEAD_LETTER_QUEUE = "edgehook-deliveries-dlq";
/** How long an isolate trusts a guard's "closed, no rate" answer before asking it again. */
export const ADMIT_HINT_MS = 1000;

/**
 * How the caller should settle a message. Retries and deferrals are acks plus a delayed send of
 * `next`: a message names the row generation it expects, which msg.retry() could not update.
 */
export type Settlement = { action: "ack" } | { action: "retry" | "defer"; delaySeconds: number; next: DeliveryMessage };

/** The outcome of one message; index is its position in the processed list. */
export interface ProcessedMessage {
  index: number;
  message: DeliveryMessage;
  settlement: Settlement;
  /** Present when an attempt was made. */
  outcome?: Outcome;
}

/** A subscription that must be announced as disabled (`subscription.disabled`). */
export interface DisabledNotice {
  subscriptionId: string;
  url: string;
  reason: string;
  consecutiveFailures: number;
}

/** Options of processDeliveries. */
export interface ProcessOptions {
  /** Skip the circuit breaker and rate (a test delivery asked for by hand). */
  bypassGuard?: boolean;
  now?: number;
}

const secretCache = new Map<string, Promise<string>>();
const SECRET_CACHE_LIMIT = 1000;
/** Subscriptions whose guard said "closed, no rate" recently: admit() is skipped until the time. */
const admitHints = new Map<string, number>();

function open(config: Config, sealed: string, context: string): Promise<string> {
  const key = `${context}|${sealed}`;
  let plain = secretCache.get(key);
  if (!plain) {
    if (secretCache.size >= SECRET_CACHE_LIMIT) secretCache.clear();
    plain = openSecret(config.encryptionKey, sealed, context);
    plain.catch(() => secretCache.delete(key));
    secretCache.set(key, plain);
  }
  return plain;
}

/** The signing secrets of a subscription at `now`: current, then the rotated one while in grace. */
export async function signingSecrets(config: Config, row: SubscriptionRow, now: number): Promise<string[]> {
  const secrets = [await open(config, row.secret_enc, row.id)];
  if (row.previous_secret_enc && (row.previous_secret_expires_at ?? 0) > now) secrets.push(await open(config, row.previous_secret_enc, row.id));
  return secrets;
}

async function authSecret(config: Config, row: SubscriptionRow): Promise<AuthSecret | null> {
  return row.auth_enc ? (JSON.parse(await open(config, row.auth_enc, row.id)) as AuthSecret) : null;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** Asks each subscription's guard how many may go; returns the wait for every message held back. */
async function admitAll(env: Env, messages: readonly DeliveryMessage[], bypass: boolean, now: number): Promise<Map<number, number>> {
  const waits = new Map<number, number>();
  if (bypass) return waits;
  const indexed = messages.map((message, index) => ({ message, index }));
  await Promise.all(
    [...groupBy(indexed, (m) => m.message.subscriptionId)].map(async ([subscriptionId, list]) => {
      if ((admitHints.get(subscriptionId) ?? 0) > now) return;
      const admission = await endpointGuard(env, subscriptionId).admit(list.length);
      list.slice(admission.admitted).forEach((m) => waits.set(m.index, admission.waitMs));
    }),
  );
  return waits;
}

async function attempt(config: Config, sub: SubscriptionRow, event: StoredEvent, row: ClaimedRow, now: number): Promise<AttemptResult> {
  // Checked again at send time: ALLOW_PRIVATE_DESTINATIONS may have been turned off since.
  const destination = checkDestination(sub.url, { allowPrivate: config.allowPrivateDestinations });
  if (!destination.ok) return { statusCode: null, durationMs: 0, responseBody: null, error: destination.reason, verdict: "fail", retryAfterMs: null, finishedAt: Date.now() };
  try {
    return await sendAttempt({
      url: sub.url,
      method: sub.method,
      eventId: event.id,
      eventType: event.type,
      body: renderBody(toWireEvent(event), sub.template === null ? null : JSON.parse(sub.template)),
      attempt: row.attempts,
      secrets: await signingSecrets(config, sub, now),
      headers: sub.headers ? JSON.parse(sub.headers) : {},
      auth: sub.auth_info ? JSON.parse(sub.auth_info) : { type: "none" },
      authSecret: await authSecret(config, sub),
      timeoutMs: sub.timeout_ms,
    });
  } catch (error) {
    return { statusCode: null, durationMs: 0, responseBody: null, error: `could not prepare the request: ${String(error)}`, verdict: "retry", retryAfterMs: null, finishedAt: Date.now() };
  }
}

/** The delivery state after an attempt, from the subscription's retry policy. */
function conclude(sub: SubscriptionRow, row: ClaimedRow, r: AttemptResult): Outcome {
  let status: Outcome["status"] = r.verdict === "success" ? "success" : "failed";
  let nextAt: number | null = null;
  if (r.verdict === "retry") {
    const delay = nextRetryDelayMs(retryPolicyOf(sub), { attemptsMade: row.attempts - row.round_start, retryAfterMs: r.retryAfterMs });
    if (delay !== null) {
      status = "retrying";
      nextAt = r.finishedAt + delay;
    }
  }
  const { retryAfterMs: _ignored, ...result } = r;
  return { ...result, deliveryId: row.id, subscriptionId: sub.id, attempt: row.attempts, status, nextAt };
}

/**
 * Processes delivery messages: claims each row at the generation its message names (stale or
 * duplicate messages are acked), holds rows of inactive subscriptions, defers what the endpoint
 * guard holds back, sends the rest in parallel and records every attempt in one batch. Exhausted
 * deliveries go to the dead-letter queue; disabled subscriptions are returned for announcement.
 */
export async function processDeliveries(env: Env, messages: DeliveryMessage[], options: ProcessOptions = {}): Promise<{ results: ProcessedMessage[]; disabled: DisabledNotice[] }> {
  const config = getConfig(env);
  const db = env.DB;
  const now = options.now ?? Date.now();
  const waits = await admitAll(env, messages, options.bypassGuard ?? false, now);
  const indexed = messages.map((message, index) => ({ message, index }));
  const admitted = indexed.filter((m) => !waits.has(m.index));
  const deferred = indexed.filter((m) => waits.has(m.index)).map((m) => ({ ...m, dueAt: now + waits.get(m.index)! }));
  const [loadSubs, loadEvents] = loadStatements(db, messages);
  const statements = [loadSubs, loadEvents, holdStatement(db, messages.map((m) => m.deliveryId), now)];
  if (deferred.length) statements.push(deferStatement(db, deferred, now));
  if (admitted.length) statements.push(claimStatement(db, admitted.map((m) => m.message), now));
  const results = await db.batch(statements);
  const subscriptions = new Map((results[0]!.results as SubscriptionRow[]).map((s) => [s.id, s]));
  const events = new Map((results[1]!.results as EventRow[]).map((e) => [e.id, fromRow(e)]));
  const claimed = new Map(admitted.length ? (results.at(-1)!.results as ClaimedRow[]).map((r) => [r.id, r]) : []);

  const processed: ProcessedMessage[] = deferred.map(({ message, index, dueAt }) => ({
    index,
    message,
    settlement: { action: "defer", delaySeconds: Math.max(1, toDelaySeconds(dueAt - now)), next: message },
  }));
  const sends: Promise<{ index: number; message: DeliveryMessage; sub: SubscriptionRow; outcome: Outcome }>[] = [];
  for (const { message, index } of admitted) {
    const candidate = claimed.get(message.deliveryId);
    // A row is sent once, for the message at the generation it was claimed with.
    const row = candidate && candidate.attempts === message.attempt + 1 ? candidate : undefined;
    const sub = row && subscriptions.get(row.subscription_id);
    const event = row && events.get(row.event_id);
    if (!row || !sub || !event) {
      processed.push({ index, message, settlement: { action: "ack" } });
      continue;
    }
    claimed.delete(message.deliveryId);
    sends.push(attempt(config, sub, event, row, now).then((r) => ({ index, message, sub, outcome: conclude(sub, row, r) })));
  }
  const sent = (await Promise.all(sends)).sort((a, b) => a.outcome.finishedAt - b.outcome.finishedAt);
  if (sent.length === 0) return { results: processed, disabled: [] };

  const bySubscription = groupBy(sent, (s) => s.sub.id);
  const finished = Date.now();
  const record = recordStatements(db, sent.map((s) => s.outcome), finished);
  for (const [subId, list] of bySubscription) {
    const lastSuccess = list.filter((s) => s.outcome.verdict === "success").at(-1)?.outcome.finishedAt ?? null;
    record.push(healthStatement(db, subId, list.map((s) => s.outcome.verdict === "success"), list.at(-1)!.outcome.finishedAt, lastSuccess));
  }
  const [reports] = await Promise.all([
    Promise.all(
      [...bySubscription].map(async ([subId, list]) => {
        const report = await endpointGuard(env, subId).record(list.map((s) => s.outcome.verdict === "success"));
        if (report.admitFreely) admitHints.set(subId, Date.now() + ADMIT_HINT_MS);
        else admitHints.delete(subId);
        return { subId, report, sub: list[0]!.sub, gone: list.some((s) => s.outcome.verdict === "gone") };
      }),
    ),
    db.batch(record),
  ]);

  const disabled: DisabledNotice[] = [];
  for (const { subId, report, sub, gone } of reports) {
    if (!(gone || report.disable) || sub.status !== "active") continue;
    const reason = gone ? "endpoint answered 410 Gone" : `${report.consecutiveFailures} consecutive failed attempts`;
    disabled.push({ subscriptionId: subId, url: sub.url, reason, consecutiveFailures: report.consecutiveFailures });
  }
  if (disabled.length) await db.batch(disabled.map((d) => setStatusStatement(db, d.subscriptionId, "disabled", d.reason, finished)));
  const exhausted = sent.filter((s) => s.outcome.status === "failed").map((s) => s.message);
  if (exhausted.length) await env.DEAD_LETTERS.sendBatch(exhausted.map((body) => ({ body, contentType: "json" as const })));
  for (const s of sent) {
    const settlement: Settlement =
      s.outcome.status === "retrying"
        ? { action: "retry", delaySeconds: toDelaySeconds(s.outcome.nextAt! - s.outcome.finishedAt), next: { ...s.message, attempt: s.outcome.attempt } }
        : { action: "ack" };
    processed.push({ index: s.index, message: s.message, settlement, outcome: s.outcome });
  }
  return { results: processed, disabled };
}

/** Parses a queue message body; null when it is not a delivery message. */
export function parseDeliveryMessage(body: unknown): DeliveryMessage | null {
  const b = body as Partial<DeliveryMessage> | null;
  if (!b || typeof b.deliveryId !== "string" || typeof b.subscriptionId !== "string" || typeof b.attempt !== "number") return null;
  return { deliveryId: b.deliveryId, subscriptionId: b.subscriptionId, attempt: b.attempt };
}

/** Settles queue messages: every message is acked; retries and deferrals are re-sent with their delay. */
export async function settle(env: Env, batch: readonly Message<unknown>[], parsed: readonly (DeliveryMessage | null)[], results: ProcessedMessage[]): Promise<void> {
  const positions = parsed.flatMap((m, i) => (m ? [i] : []));
  const byBatchIndex = new Map(results.map((r) => [positions[r.index]!, r]));
  const resend = new Map<number, DeliveryMessage[]>();
  batch.forEach((_msg, i) => {
    const settlement = byBatchIndex.get(i)?.settlement;
    if (settlement && settlement.action !== "ack") resend.set(settlement.delaySeconds, [...(resend.get(settlement.delaySeconds) ?? []), settlement.next]);
  });
  // Send before acking: if the send fails the batch is retried and the claim check drops duplicates.
  for (const [delaySeconds, list] of resend) await enqueueDeliveries(env.DELIVERIES, list, { delaySeconds });
  for (const msg of batch) msg.ack();
}

/** Dead-letter consumer: records every dead-lettered delivery as failed (unless it succeeded meanwhile). */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const ids = batch.messages.map((m) => parseDeliveryMessage(m.body)?.deliveryId).filter((id): id is string => id !== undefined);
  await markDeadLettered(env.DB, ids, Date.now());
  batch.ackAll();
}
