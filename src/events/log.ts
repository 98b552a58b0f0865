/** The event log's reads, per tenant: stored events newest first (type patterns, time range, keyset cursor) and one event with its deliveries. */
import type { TenantDb } from "../tenants/tenant-db";
import { PAYLOAD_MARKER, payloadStore } from "./payload-store";
import { eventsFromRows, type EventRow, type StoredEvent } from "./store";

/** A page stops growing once its events' data passes this many bytes (it always holds one event). */
export const EVENT_LOG_PAGE_BYTES = 8 * 1024 * 1024;

/**
 * The SQL condition for type patterns as the stream understands them (`*`, `prefix.*`, a full
 * type or a dot-segment prefix of one); null when every type passes. Pure.
 */
export function typeCondition(patterns: readonly string[]): { sql: string; values: (string | number)[] } | null {
  if (patterns.length === 0 || patterns.includes("*")) return null;
  const parts: string[] = [];
  const values: (string | number)[] = [];
  for (const pattern of patterns) {
    const prefix = pattern.endsWith(".*") ? pattern.slice(0, -1) : `${pattern}.`;
    if (pattern.endsWith(".*")) parts.push("substr(type, 1, ?) = ?");
    else {
      parts.push("(type = ? OR substr(type, 1, ?) = ?)");
      values.push(pattern);
    }
    values.push(prefix.length, prefix);
  }
  return { sql: `(${parts.join(" OR ")})`, values };
}

/** What GET /events (JSON) asks for. */
export interface EventLogQuery {
  patterns: readonly string[];
  sinceMs?: number;
  untilMs?: number;
  /** Only events older than this event id (the previous page's nextCursor). */
  beforeId?: string;
  limit: number;
}

/** One page of the log, newest first; nextCursor is set when older events remain. */
export interface EventLogPage {
  events: StoredEvent[];
  nextCursor: string | null;
}

type LogRow = EventRow & { payload_bytes: number | null };

/**
 * Stored events of the handle's tenant (every tenant's when it spans) newest first, their data
 * read through the payload store, a page bounded by EVENT_LOG_PAGE_BYTES.
 */
export async function queryEventLog(env: Env, db: TenantDb, query: EventLogQuery): Promise<EventLogPage> {
  const where: string[] = ["$tenant(e.tenant_id)"];
  const values: (string | number)[] = [];
  const types = typeCondition(query.patterns);
  if (types) {
    where.push(types.sql);
    values.push(...types.values);
  }
  if (query.sinceMs !== undefined) {
    where.push("created_at >= ?");
    values.push(query.sinceMs);
  }
  if (query.untilMs !== undefined) {
    where.push("created_at <= ?");
    values.push(query.untilMs);
  }
  if (query.beforeId) {
    where.push("id < ?");
    values.push(query.beforeId);
  }
  const rows = (
    await db
      .prepare(
        `SELECT e.*, CASE WHEN e.data = '' THEN (SELECT bytes FROM payloads WHERE key = 'events/' || e.id || '/data') END AS payload_bytes
        FROM events e WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT ?`,
      )
      .bind(...values, query.limit + 1)
      .all<LogRow>()
  ).results;
  const page: LogRow[] = [];
  let bytes = 0;
  for (const row of rows.slice(0, query.limit)) {
    const size = row.data === PAYLOAD_MARKER ? (row.payload_bytes ?? 0) : row.data.length;
    if (page.length > 0 && bytes + size > EVENT_LOG_PAGE_BYTES) break;
    page.push(row);
    bytes += size;
  }
  const more = page.length < rows.length;
  return { events: await eventsFromRows(payloadStore(env), page), nextCursor: more ? page.at(-1)!.id : null };
}

/** One delivery of an event, as GET /events/:id lists it. */
export interface EventDelivery {
  id: string;
  subscriptionId: string;
  status: string;
  attempts: number;
}

/**
 * One stored event of the handle's tenant with its deliveries (oldest first, the tenant's only),
 * or null when there is no such event or it belongs to another tenant.
 */
export async function getEventWithDeliveries(env: Env, db: TenantDb, id: string): Promise<{ event: StoredEvent; deliveries: EventDelivery[] } | null> {
  const [events, deliveries] = await db.batch([
    db.prepare("SELECT * FROM events WHERE id = ? AND $tenant(tenant_id)").bind(id),
    db.prepare("SELECT id, subscription_id, status, attempts FROM deliveries WHERE event_id = ? AND $tenant(tenant_id) ORDER BY created_at, id").bind(id),
  ]);
  const [event] = await eventsFromRows(payloadStore(env), events!.results as EventRow[]);
  if (!event) return null;
  const rows = deliveries!.results as { id: string; subscription_id: string; status: string; attempts: number }[];
  return { event, deliveries: rows.map((d) => ({ id: d.id, subscriptionId: d.subscription_id, status: d.status, attempts: d.attempts })) };
}
