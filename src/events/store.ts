/** The durable event log in D1: insert statements, reads for replay, and the wire shape of an event. Data goes through the payload store. */
import { iso } from "../lib/time";
import { PAYLOAD_MARKER, payloadStore, type PayloadStore, type PreparedPayload } from "./payload-store";

/** An event as stored and as every consumer (deliveries, SSE) sees it. */
export interface StoredEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  createdAt: number;
  /** The tenant the event belongs to; only its subscriptions and streams receive it. */
  tenantId: string;
}

/** The JSON body an outbound delivery and an SSE `data:` line carry. */
export interface WireEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  tenantId: string;
}

/** An events row as D1 returns it. */
export interface EventRow {
  id: string;
  type: string;
  data: string;
  metadata: string | null;
  created_at: number;
  tenant_id: string;
}

/** The wire body of a stored event. */
export function toWireEvent(event: StoredEvent): WireEvent {
  const wire: WireEvent = { id: event.id, type: event.type, timestamp: iso(event.createdAt), data: event.data, tenantId: event.tenantId };
  if (event.metadata) wire.metadata = event.metadata;
  return wire;
}

/** The payload-store key of an event's data. */
export function eventDataKey(id: string): string {
  return `events/${id}/data`;
}

function fromRow(row: EventRow, data: string): StoredEvent {
  const event: StoredEvent = { id: row.id, type: row.type, data: JSON.parse(data), createdAt: row.created_at, tenantId: row.tenant_id };
  if (row.metadata) event.metadata = JSON.parse(row.metadata);
  return event;
}

/**
 * The stored events of rows (any `SELECT * FROM events`), in row order, large data loaded from the
 * payload store (one extra query only when a row has some). A row whose payload is gone (purged
 * by retention meanwhile) is left out, exactly as if the event row were gone.
 */
export async function eventsFromRows(store: PayloadStore, rows: readonly EventRow[]): Promise<StoredEvent[]> {
  const large = await store.load(rows.filter((r) => r.data === PAYLOAD_MARKER).map((r) => eventDataKey(r.id)));
  return rows.flatMap((row) => {
    const data = row.data === PAYLOAD_MARKER ? large.get(eventDataKey(row.id)) : row.data;
    return data === undefined ? [] : [fromRow(row, data)];
  });
}

/** When an event row is written inside a publishing batch. */
export type InsertCondition = { kind: "always" } | { kind: "previous-changed" } | { kind: "event-exists"; eventId: string };

/** An event's statements for the publishing batch, and its prepared payload (to discard if the batch fails). */
export interface PreparedEventInsert {
  statements: D1PreparedStatement[];
  payload: PreparedPayload;
}

/**
 * The INSERT for an event, to run inside the publishing batch, followed by its payload row when
 * the data is large (written only if the event row was). "previous-changed" writes the row only
 * when the statement before it changed a row (SQLite `changes()` is per connection and a D1 batch
 * runs as one transaction on one connection); "event-exists" chains further rows to it.
 */
export async function prepareEventInsert(store: PayloadStore, db: D1Database, event: StoredEvent, condition: InsertCondition = { kind: "always" }): Promise<PreparedEventInsert> {
  const payload = await store.prepare(eventDataKey(event.id), JSON.stringify(event.data), event.createdAt, { sql: "SELECT 1 FROM events WHERE id = ?", value: event.id });
  const values = [event.id, event.type, payload.column, event.metadata ? JSON.stringify(event.metadata) : null, event.createdAt, event.tenantId];
  const insert = "INSERT INTO events (id, type, data, metadata, created_at, tenant_id)";
  let row: D1PreparedStatement;
  if (condition.kind === "always") row = db.prepare(`${insert} VALUES (?, ?, ?, ?, ?, ?)`).bind(...values);
  else if (condition.kind === "previous-changed") row = db.prepare(`${insert} SELECT ?, ?, ?, ?, ?, ? WHERE changes() > 0`).bind(...values);
  else row = db.prepare(`${insert} SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM events WHERE id = ?)`).bind(...values, condition.eventId);
  return { statements: [row, ...payload.statements], payload };
}

/** Options for listEvents. */
export interface ListEventsOptions {
  /** Only events with an id greater than this (exclusive). */
  afterId?: string;
  /** Only events created at or after this time (epoch ms). */
  sinceMs?: number;
  /** Only this tenant's events (null or absent: every tenant's). */
  tenantId?: string | null;
  limit: number;
}

/** One page of listEvents: the events and, when the page was full, the id to continue after. */
export interface EventPage {
  events: StoredEvent[];
  nextAfterId: string | null;
}

/** Events in publish order (ascending id) after a point, a page at a time, data loaded through the payload store. */
export async function listEvents(env: Env, options: ListEventsOptions): Promise<EventPage> {
  const where: string[] = [];
  const values: unknown[] = [];
  if (options.afterId) {
    where.push("id > ?");
    values.push(options.afterId);
  }
  if (options.sinceMs !== undefined) {
    where.push("created_at >= ?");
    values.push(options.sinceMs);
  }
  if (options.tenantId) {
    where.push("tenant_id = ?");
    values.push(options.tenantId);
  }
  const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id LIMIT ?`;
  const rows = (await env.DB.prepare(sql).bind(...values, options.limit).all<EventRow>()).results;
  return { events: await eventsFromRows(payloadStore(env), rows), nextAfterId: rows.length === options.limit ? rows.at(-1)!.id : null };
}
