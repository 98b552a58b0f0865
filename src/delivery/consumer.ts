/** The deliveries queue consumer: claim → guard → sign and send → record attempts → ack, retry, defer or dead-letter. */
import { getConfig, type Config } from "../config";
import { toWireEvent, type StoredEvent } from "../events/store";
import { openSecret } from "../lib/secret-box";
import { sendAttempt, type AttemptResult } from "./attempt";
import { endpointGuard } from "./endpoint-guard";
import type { HealthReport } from "./endpoint-health";
import { markDeadLettered } from "./delivery-repository";
import { enqueueDeliveries, type DeliveryMessage } from "./outbox";
import { nextRetryDelayMs, toDelaySeconds } from "./retry-policy";
import { retryPolicyOf, setStatusStatement, type AuthSecret, type SubscriptionRow } from "./subscription-repository";
import { renderBody } from "./template";

/** The dead-letter queue's name (wrangler.toml). */
export const DEAD_LETTER_QUEUE = "edgehook-deliveries-dlq";

/** Extra time a claimed row stays leased beyond its timeout before the sweep may take it over. */
export const LEASE_MARGIN_MS = 10_000;

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
  attempt?: AttemptResult & { attempt: number; status: "success" | "retrying" | "failed"; nextAttemptAt: number | null };
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

interface ClaimedRow {
  id: string;
  event_id: string;
  subscription_id: string;
  attempts: number;
  round_start: number;
}

interface EventRow {
  id: string;
  type: string;
  data: string;
  metadata: string | null;
  created_at: number;
}

const secretCache = new Map<string, Promise<string>>();
const SECRET_CACHE_LIMIT = 1000;

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

function toStoredEvent(row: EventRow): StoredEvent {
  const event: StoredEvent = { id: row.id, type: row.type, data: JSON.parse(row.data), createdAt: row.created_at };
  if (row.metadata) event.metadata = JSON.parse(row.metadata);
  return event;
}

async function admitAll(env: Env, messages: DeliveryMessage[], bypass: boolean): Promise<Map<string, number>> {
  const bySubscription = new Map<string, DeliveryMessage[]>();
  for (const m of messages) bySubscription.set(m.subscriptionId, [...(bySubscription.get(m.subscriptionId) ?? []), m]);
  const waits = new Map<string, number>();
  if (bypass) return waits;
  await Promise.all(
    [...bySubscription].map(async ([subscriptionId, list]) => {
      const admission = await endpointGuard(env, subscriptionId).admit(list.length);
      list.slice(admission.admitted).forEach((m) => waits.set(m.deliveryId, admission.waitMs));
    }),
  );
  return waits;
}

/**
 * Processes delivery messages: claims each row at the generation its message names (stale or
 * duplicate messages are acked), holds rows of inactive subscriptions, defers what the endpoint
 * guard holds back, sends the rest in parallel and records every attempt in one batch.
 * Disabled subscriptions are returned so the caller can announce them.
 */
export async function processDeliveries(env: Env, messages: DeliveryMessage[], options: ProcessOptions = {}): Promise<{ results: ProcessedMessage[]; disabled: DisabledNotice[] }> {
  const config = getConfig(env);
  const db = env.DB;
  const now = options.now ?? Date.now();
  const waits = await admitAll(env, messages, options.bypassGuard ?? false);
  const indexed = messages.map((message, index) => ({ message, index }));
  const admitted = indexed.filter(({ message }) => !waits.has(message.deliveryId));
  const deferred = indexed.filter(({ message }) => waits.has(message.deliveryId));
  const ids = JSON.stringify(messages.map((m) => m.deliveryId));
  const subscriptionIds = JSON.stringify([...new Set(messages.map((m) => m.subscriptionId))]);
  // The lease (next_at while sending) covers the subscription's timeout plus a margin.
  const claimSql = db.prepare(
    `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, updated_at = ?,
        next_at = ? + (SELECT timeout_ms FROM subscriptions s WHERE s.id = deliveries.subscription_id)
      WHERE id = ? AND attempts = ? AND (status IN ('pending', 'retrying') OR (status = 'sending' AND next_at <= ?))
        AND subscription_id IN (SELECT id FROM subscriptions WHERE status = 'active')
      RETURNING id, event_id, subscription_id, attempts, round_start`,
  );
  const statements: D1PreparedStatement[] = [
    db.prepare("SELECT * FROM subscriptions WHERE id IN (SELECT value FROM json_each(?))").bind(subscriptionIds),
    db.prepare("SELECT * FROM events WHERE id IN (SELECT event_id FROM deliveries WHERE id IN (SELECT value FROM json_each(?)))").bind(ids),
    // Rows of paused or disabled subscriptions are held (next_at NULL) until resume.
    db
      .prepare(
        `UPDATE deliveries SET next_at = NULL, updated_at = ? WHERE id IN (SELECT value FROM json_each(?)) AND status IN ('pending', 'retrying')
          AND subscription_id IN (SELECT id FROM subscriptions WHERE status != 'active')`,
      )
      .bind(now, ids),
    ...deferred.map(({ message: m }) =>
      db
        .prepare("UPDATE deliveries SET next_at = ?, updated_at = ? WHERE id = ? AND attempts = ? AND status IN ('pending', 'retrying') AND next_at IS NOT NULL")
        .bind(now + (waits.get(m.deliveryId) ?? 0), now, m.deliveryId, m.attempt),
    ),
  ];
  const claimFirst = statements.length;
  for (const { message: m } of admitted) statements.push(claimSql.bind(now, now + LEASE_MARGIN_MS, m.deliveryId, m.attempt, now));
  const results = await db.batch(statements);
  const subscriptions = new Map((results[0]!.results as SubscriptionRow[]).map((s) => [s.id, s]));
  const events = new Map((results[1]!.results as EventRow[]).map((e) => [e.id, toStoredEvent(e)]));

  const processed: ProcessedMessage[] = deferred.map(({ message, index }) => ({
    index,
    message,
    settlement: { action: "defer", delaySeconds: Math.max(1, toDelaySeconds(waits.get(message.deliveryId) ?? 0)), next: message },
  }));
  const sends: Promise<ProcessedMessage & { row: ClaimedRow; attemptResult: AttemptResult; sub: SubscriptionRow }>[] = [];
  admitted.forEach(({ message, index }, i) => {
    const row = (results[claimFirst + i]!.results as ClaimedRow[])[0];
    const sub = row && subscriptions.get(row.subscription_id);
    const event = row && events.get(row.event_id);
    if (!row || !sub || !event) {
      processed.push({ index, message, settlement: { action: "ack" } });
      return;
    }
    sends.push(
      (async () => {
        const attemptResult = await sendAttempt({
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
        }).catch((error: unknown): AttemptResult => ({ statusCode: null, durationMs: 0, responseBody: null, error: `could not prepare the request: ${String(error)}`, verdict: "retry", retryAfterMs: null, finishedAt: Date.now() }));
        return { index, message, row, sub, attemptResult, settlement: { action: "ack" } as Settlement };
      })(),
    );
  });
  const sent = (await Promise.all(sends)).sort((a, b) => a.attemptResult.finishedAt - b.attemptResult.finishedAt);
  if (sent.length === 0) return { results: processed, disabled: [] };

  const reports = new Map<string, HealthReport>();
  await Promise.all(
    [...new Set(sent.map((s) => s.sub.id))].map(async (subId) => {
      const outcomes = sent.filter((s) => s.sub.id === subId).map((s) => s.attemptResult.verdict === "success");
      reports.set(subId, await endpointGuard(env, subId).record(outcomes));
    }),
  );

  const record: D1PreparedStatement[] = [];
  const disabled: DisabledNotice[] = [];
  const finished = Date.now();
  for (const s of sent) {
    const { row, sub, attemptResult: r } = s;
    const policy = retryPolicyOf(sub);
    let status: "success" | "retrying" | "failed" = r.verdict === "success" ? "success" : "failed";
    let nextAt: number | null = null;
    if (r.verdict === "retry") {
      const delay = nextRetryDelayMs(policy, { attemptsMade: row.attempts - row.round_start, retryAfterMs: r.retryAfterMs });
      if (delay !== null) {
        status = "retrying";
        nextAt = r.finishedAt + delay;
        s.settlement = { action: "retry", delaySeconds: toDelaySeconds(delay), next: { ...s.message, attempt: row.attempts } };
      }
    }
    s.attempt = { ...r, attempt: row.attempts, status, nextAttemptAt: nextAt };
    record.push(
      db
        .prepare("INSERT INTO attempts (delivery_id, subscription_id, attempt, status_code, duration_ms, response_body, error, verdict, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(row.id, sub.id, row.attempts, r.statusCode, r.durationMs, r.responseBody, r.error, r.verdict, r.finishedAt),
      db
        .prepare(
          `UPDATE deliveries SET status = ?, next_at = ?, last_status_code = ?, last_error = ?, updated_at = ?, completed_at = ?
            WHERE id = ? AND attempts = ?`,
        )
        .bind(status, nextAt, r.statusCode, r.error, finished, status === "retrying" ? null : finished, row.id, row.attempts),
    );
  }
  for (const [subId, report] of reports) {
    const mine = sent.filter((s) => s.sub.id === subId);
    const sub = mine[0]!.sub;
    const lastSuccess = mine.filter((s) => s.attemptResult.verdict === "success").at(-1)?.attemptResult.finishedAt ?? null;
    record.push(
      db
        .prepare("UPDATE subscriptions SET consecutive_failures = ?, last_attempt_at = ?, last_success_at = COALESCE(?, last_success_at) WHERE id = ?")
        .bind(report.consecutiveFailures, mine.at(-1)!.attemptResult.finishedAt, lastSuccess, subId),
    );
    const gone = mine.some((s) => s.attemptResult.verdict === "gone");
    if ((gone || report.disable) && sub.status === "active") {
      const reason = gone ? "endpoint answered 410 Gone" : `${report.consecutiveFailures} consecutive failed attempts`;
      record.push(setStatusStatement(db, subId, "disabled", reason, finished));
      disabled.push({ subscriptionId: subId, url: sub.url, reason, consecutiveFailures: report.consecutiveFailures });
    }
  }
  await db.batch(record);
  const exhausted = sent.filter((s) => s.attempt?.status === "failed").map((s) => s.message);
  if (exhausted.length) await env.DEAD_LETTERS.sendBatch(exhausted.map((body) => ({ body, contentType: "json" as const })));
  return { results: [...processed, ...sent.map(({ index, message, settlement, attempt }) => ({ index, message, settlement, attempt }))], disabled };
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
  batch.forEach((msg, i) => {
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
