/** The durable event log in D1: insert statements, reads for replay, and the wire shape of an event. */
import { iso } from "../lib/time";

/** An event as stored and as every consumer (deliveries, SSE) sees it. */
export interface StoredEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  createdAt: number;
}

/** The JSON body an outbound delivery and an SSE `data:` line carry. */
export interface WireEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

/** An events row as D1 returns it. */
export interface EventRow {
  id: string;
  type: string;
  data: string;
  metadata: string | null;
  created_at: number;
}

/** The wire body of a stored event. */
export function toWireEvent(event: StoredEvent): WireEvent {
  const wire: WireEvent = { id: event.id, type: event.type, timestamp: iso(event.createdAt), data: event.data };
  if (event.metadata) wire.metadata = event.metadata;
  return wire;
}

/** The stored event of a row. */
export function fromRow(row: EventRow): StoredEvent {
  const event: StoredEvent = { id: row.id, type: row.type, data: JSON.parse(row.data), createdAt: row.created_at };
  if (row.metadata) event.metadata = JSON.parse(row.metadata);
  return event;
}

/** When an event row is written inside a publishing batch. */
export type InsertCondition = { kind: "always" } | { kind: "previous-changed" } | { kind: "event-exists"; eventId: string };

/**
 * The INSERT for an event, to run inside the publishing batch. "previous-changed" writes the row
 * only when the statement before it changed a row (SQLite `changes()` is per connection and a D1
 * batch runs as one transaction on one connection); "event-exists" chains further rows to it.
 */
export function insertEventStatement(db: D1Database, event: StoredEvent, condition: InsertCondition = { kind: "always" }): D1PreparedStatement {
  const values = [event.id, event.type, JSON.stringify(event.data), event.metadata ? JSON.stringify(event.metadata) : null, event.createdAt];
  const insert = "INSERT INTO events (id, type, data, metadata, created_at)";
  if (condition.kind === "always") return db.prepare(`${insert} VALUES (?, ?, ?, ?, ?)`).bind(...values);
  if (condition.kind === "previous-changed") return db.prepare(`${insert} SELECT ?, ?, ?, ?, ? WHERE changes() > 0`).bind(...values);
  return db.prepare(`${insert} SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM events WHERE id = ?)`).bind(...values, condition.eventId);
}

/** Options for listEvents. */
export interface ListEventsOptions {
  /** Only events with an id greater than this (exclusive). */
  afterId?: string;
  /** Only events created at or after this time (epoch ms). */
  sinceMs?: number;
  limit: number;
}

/** Events in publish order (ascending id) after a point, a page at a time. */
export async function listEvents(db: D1Database, options: ListEventsOptions): Promise<StoredEvent[]> {
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
  const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id LIMIT ?`;
  const rows = await db.prepare(sql).bind(...values, options.limit).all<EventRow>();
  return rows.results.map(fromRow);
}
