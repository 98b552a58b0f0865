/**
 * The engine's claim stage, one D1 batch: holds, deferrals, batches (claimed again or formed),
 * single rows (an ordered row only while it heads its key), parking, open windows, then loads.
 */
import { payloadStore } from "../events/payload-store";
import { eventsFromRows, type EventRow, type StoredEvent } from "../events/store";
import { deferral, EVENT_EXPIRED, windowClosesAt, type Settlement } from "./core";
import { batchWindow } from "./modes/batch-window";
import { claimBatchesStatement, formBatchesStatement, openWindowsStatement, type OpenWindowRow } from "./modes/batches";
import { parkStatement, promoteStatement, promotedMessages } from "./modes/fifo";
import { claimStatement, deferStatement, holdStatement, LEASE_MARGIN_MS, loadStatements, settleFailedStatement, type ClaimedRow } from "./store/claims";
import type { DeliveryMessage } from "./store/outbox";
import type { SubscriptionRow } from "./store/subscriptions";
import type { Outcome } from "./core/outcome";

/** The outcome of one message; index is its position in the processed list (-1: no message of this call). */
export interface ProcessedMessage {
  index: number;
  message: DeliveryMessage;
  settlement: Settlement;
  /** The message to send again (retry: the next generation, with the settlement's delay; a promoted FIFO head: now). */
  next?: DeliveryMessage;
  /** Present when an attempt was made. */
  outcome?: Outcome;
}

/** One member of a batch claim. */
export interface BatchMember {
  row: ClaimedRow;
  event: StoredEvent;
}

/** A claimed message ready to send; a batch claim carries its members (publish order, `row`/`event` = the first). */
export interface Claim {
  index: number;
  message: DeliveryMessage;
  row: ClaimedRow;
  sub: SubscriptionRow;
  event: StoredEvent;
  batch?: { id: string; members: BatchMember[] };
}

const unique = (ids: readonly string[]) => [...new Set(ids)];

/** The message that names a claimed row at the generation it was claimed from. */
const messageOf = (row: ClaimedRow): DeliveryMessage => ({ deliveryId: row.id, subscriptionId: row.subscription_id, attempt: row.attempts - 1 });

/** Arms each batch subscription's window timer for when its open rows must leave; the sweep covers a failure. */
async function armWindows(env: Env, windows: readonly OpenWindowRow[], now: number): Promise<void> {
  await Promise.all(
    windows.map((w) =>
      batchWindow(env, w.subscription_id)
        .arm(w.subscription_id, windowClosesAt({ count: w.count, oldestAt: w.oldest_at }, { maxEvents: w.max_events, maxWaitMs: w.max_wait_ms }, now))
        .catch((error: unknown) => console.error(JSON.stringify({ level: "error", msg: "arming a batch window failed", subscriptionId: w.subscription_id, error: String(error) }))),
    ),
  );
}

/** Groups claimed batch rows into batch claims; members whose event retention purged are returned apart. */
function batchClaims(rows: readonly ClaimedRow[], subscriptions: Map<string, SubscriptionRow>, events: Map<string, StoredEvent>, named: Map<string, number>) {
  const byBatch = new Map<string, ClaimedRow[]>();
  for (const row of rows) byBatch.set(row.batch_id!, [...(byBatch.get(row.batch_id!) ?? []), row]);
  const claims: Claim[] = [];
  const expired: ClaimedRow[] = [];
  for (const [id, list] of byBatch) {
    const sub = subscriptions.get(list[0]!.subscription_id);
    if (!sub) continue;
    const members = list
      .sort((a, b) => (a.event_id < b.event_id ? -1 : 1))
      .flatMap((row) => (events.has(row.event_id) ? [{ row, event: events.get(row.event_id)! }] : (expired.push(row), [])));
    if (members.length === 0) continue;
    const lead = members[0]!;
    const index = Math.min(...list.map((r) => named.get(r.id) ?? Infinity));
    claims.push({ index: Number.isFinite(index) ? index : -1, message: messageOf(lead.row), row: lead.row, sub, event: lead.event, batch: { id, members } });
  }
  return { claims, expired };
}

/**
 * Claim stage, one D1 batch: holds rows of inactive subscriptions, defers what the guard held
 * back, claims again the batches messages name, forms the batches that are due, claims single
 * rows at the generation their message names, parks ordered rows behind their key's head, and
 * loads subscriptions and events. Claimed rows whose event retention purged are settled `failed`
 * (event_expired) at once; open batch windows get their timer.
 */
export async function claim(env: Env, messages: readonly DeliveryMessage[], waits: Map<number, number>, now: number): Promise<{ claims: Claim[]; processed: ProcessedMessage[] }> {
  const db = env.DB;
  const indexed = messages.map((message, index) => ({ message, index }));
  const admitted = indexed.filter((m) => !waits.has(m.index));
  const deferred = indexed.filter((m) => waits.has(m.index)).map((m) => ({ ...m, dueAt: now + waits.get(m.index)! }));
  const admittedMessages = admitted.map((m) => m.message);
  const subscriptionIds = unique(admittedMessages.map((m) => m.subscriptionId));
  const statements = [holdStatement(db, messages.map((m) => m.deliveryId), now)];
  if (deferred.length) statements.push(deferStatement(db, deferred, now));
  const claimAt = statements.length;
  if (admitted.length) {
    statements.push(
      claimBatchesStatement(db, admittedMessages, now, LEASE_MARGIN_MS),
      formBatchesStatement(db, subscriptionIds, now, LEASE_MARGIN_MS),
      claimStatement(db, admittedMessages, now),
      parkStatement(db, admittedMessages, now),
      openWindowsStatement(db, subscriptionIds),
    );
  }
  statements.push(...loadStatements(db, messages, admitted.length ? now : null));
  const results = await db.batch(statements);
  const subscriptions = new Map((results.at(-2)!.results as SubscriptionRow[]).map((s) => [s.id, s]));
  // A row whose payload is gone (purged by retention) yields no event: the delivery settles event_expired.
  const events = new Map((await eventsFromRows(payloadStore(env), results.at(-1)!.results as EventRow[])).map((e) => [e.id, e]));
  const rowsAt = (i: number) => (admitted.length ? (results[claimAt + i]!.results as ClaimedRow[]) : []);
  const named = new Map(admitted.map((m) => [m.message.deliveryId, m.index]));
  const batches = batchClaims([...rowsAt(0), ...rowsAt(1)], subscriptions, events, named);
  const claimed = new Map(rowsAt(2).map((r) => [r.id, r]));

  const processed: ProcessedMessage[] = deferred.map(({ message, index, dueAt }) => ({ index, message, settlement: deferral(dueAt - now), next: message }));
  const claims: Claim[] = [...batches.claims];
  const expired: ClaimedRow[] = [...batches.expired];
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
      // Messages of rows a batch carries, waiting in an open window or behind their key's head: acked (D1 keeps them due).
      if (!batches.claims.some((c) => c.index === index)) processed.push({ index, message, settlement: { action: "ack" } });
    }
  }
  const [settled] = await Promise.all([settleExpired(db, expired), admitted.length ? armWindows(env, results[claimAt + 4]!.results as OpenWindowRow[], now) : null]);
  for (const message of settled) processed.push({ index: -1, message, settlement: { action: "ack" }, next: message });
  return { claims, processed };
}

/** Settles claimed rows whose event is gone as failed (event_expired); the next head of their FIFO keys goes now. */
async function settleExpired(db: D1Database, expired: readonly ClaimedRow[]): Promise<DeliveryMessage[]> {
  if (expired.length === 0) return [];
  const at = Date.now();
  const keys = expired.filter((r) => r.ordering_key !== null).map((r) => ({ subscriptionId: r.subscription_id, key: r.ordering_key! }));
  const results = await db.batch([settleFailedStatement(db, expired, EVENT_EXPIRED, at), ...(keys.length ? [promoteStatement(db, keys, at)] : [])]);
  return keys.length ? promotedMessages(results[1]!) : [];
}
