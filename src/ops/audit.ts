/** Audit trail in D1: entries for admin actions (written with the change where practical) and the filtered, paginated list. */
import type { Context } from "hono";
import type { Config } from "../config";
import type { AppEnv } from "../http/context";
import { newId } from "../lib/ids";
import { iso } from "../lib/time";
import { DEFAULT_TENANT } from "../tenants/model";
import type { TenantDb } from "../tenants/tenant-db";
import { fieldMatcher, redact } from "./redact";

/** What an action was done to. */
export interface AuditTarget {
  /** Resource kind: `token`, `subscription`, `source`, `queue`, ... */
  type: string;
  id?: string | null;
}

/** One audit row before it is written. */
export interface AuditEntry {
  id: string;
  /** `<resource>.<verb>`, e.g. `token.create`, `subscription.rotate_secret`. */
  action: string;
  actorTokenId: string;
  targetType: string;
  targetId: string | null;
  requestId: string;
  /** Redacted JSON details (changed fields, never secrets), or null. */
  details: Record<string, unknown> | null;
  createdAt: number;
  /** The tenant the action happened in. */
  tenantId: string;
}

/** An audit row as GET /audit shows it. */
export interface AuditRecord {
  id: string;
  action: string;
  actorTokenId: string;
  target: { type: string; id: string | null };
  requestId: string;
  details: Record<string, unknown> | null;
  createdAt: string;
  tenantId: string;
}

/**
 * Builds the entry for an action by the request's principal; `details` pass through the
 * LOG_REDACT_FIELDS redaction, so a secret handed in by mistake is stored as `[REDACTED]`.
 */
export function auditEntry(c: Context<AppEnv>, action: string, target: AuditTarget, details?: Record<string, unknown> | null, now = Date.now()): AuditEntry {
  return buildEntry(c.get("config"), { actorTokenId: c.get("principal")?.tokenId ?? "anonymous", requestId: c.get("requestId"), tenantId: c.get("principal")?.tenantId ?? DEFAULT_TENANT }, action, target, details, now);
}

/** Who an entry is attributed to: a request's principal, or the gateway itself (`system`). */
interface AuditActor {
  actorTokenId: string;
  requestId: string;
  tenantId: string;
}

function buildEntry(config: Config, actor: AuditActor, action: string, target: AuditTarget, details: Record<string, unknown> | null | undefined, now: number): AuditEntry {
  return {
    id: newId("aud"),
    action,
    ...actor,
    targetType: target.type,
    targetId: target.id ?? null,
    details: details ? (redact(details, fieldMatcher(config.logs.redactFields)) as Record<string, unknown>) : null,
    createdAt: now,
  };
}

/** The actor of changes the gateway makes by itself (e.g. the consumer disabling a subscription). */
const SYSTEM_ACTOR = "system";

/**
 * Records an action the gateway took without a request (no Hono context): actor `system`, request
 * id `<source>` (e.g. `queue`). Awaitable; the caller decides whether to wait.
 */
export async function auditSystem(
  db: D1Database,
  config: Config,
  source: string,
  action: string,
  target: AuditTarget,
  details?: Record<string, unknown> | null,
  tenantId: string = DEFAULT_TENANT,
): Promise<void> {
  await auditStatement(db, buildEntry(config, { actorTokenId: SYSTEM_ACTOR, requestId: source, tenantId }, action, target, details, Date.now())).run();
}

/** Options for auditStatement. */
export interface AuditStatementOptions {
  /**
   * Write the row only when the statement just before it in the same batch changed a row (SQLite
   * `changes()`; a D1 batch runs on one connection): an audit row exists iff the change happened.
   */
  onlyIfChanged?: boolean;
}

/** The INSERT for an entry (in the entry's tenant), to run inside the batch that makes the change. */
export function auditStatement(db: D1Database | TenantDb, entry: AuditEntry, options: AuditStatementOptions = {}): D1PreparedStatement {
  const raw = "raw" in db ? db.raw : db;
  const values = [entry.id, entry.action, entry.actorTokenId, entry.targetType, entry.targetId, entry.requestId, entry.details ? JSON.stringify(entry.details) : null, entry.createdAt, entry.tenantId];
  const insert = "INSERT INTO audit (id, action, actor_token_id, target_type, target_id, request_id, details, created_at, tenant_id)";
  return options.onlyIfChanged
    ? raw.prepare(`${insert} SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE changes() > 0`).bind(...values)
    : raw.prepare(`${insert} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).bind(...values);
}

/**
 * Records an action whose change could not share a batch with the audit row: the insert runs
 * after the response (`ctx.waitUntil`) and a failure is logged, never surfaced to the caller.
 */
export function audit(c: Context<AppEnv>, action: string, target: AuditTarget, details?: Record<string, unknown> | null): void {
  const entry = auditEntry(c, action, target, details);
  const write = auditStatement(c.env.DB, entry)
    .run()
    .then(
      () => undefined,
      (error: unknown) => console.error(JSON.stringify({ level: "error", msg: "audit write failed", requestId: entry.requestId, action, error: String(error) })),
    );
  c.executionCtx.waitUntil(write);
}

/** Filters of GET /audit; every one is optional and they combine with AND. */
export interface AuditFilters {
  /** An exact action, or `<prefix>.*` for a family (`token.*`). */
  action?: string;
  actor?: string;
  targetType?: string;
  targetId?: string;
  /** Inclusive lower bound (epoch ms). */
  sinceMs?: number;
  /** Exclusive upper bound (epoch ms). */
  untilMs?: number;
}

interface AuditRow {
  id: string;
  action: string;
  actor_token_id: string;
  target_type: string;
  target_id: string | null;
  request_id: string;
  details: string | null;
  created_at: number;
  tenant_id: string;
}

/** Pagination cursors are `<created_at>.<id>` of the last row shown. */
export const AUDIT_CURSOR = /^(\d{1,15})\.([A-Za-z0-9_-]{1,64})$/;

function toRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    action: row.action,
    actorTokenId: row.actor_token_id,
    target: { type: row.target_type, id: row.target_id },
    requestId: row.request_id,
    details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
    createdAt: iso(row.created_at),
    tenantId: row.tenant_id,
  };
}

/** A page of audit rows, newest first, after the cursor. */
export async function listAudit(db: TenantDb, filters: AuditFilters, limit: number, cursor?: string): Promise<{ items: AuditRecord[]; nextCursor: string | null }> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (clause: string, ...v: unknown[]) => {
    where.push(clause);
    values.push(...v);
  };
  if (filters.action?.endsWith(".*")) {
    const prefix = filters.action.slice(0, -1);
    // A range instead of LIKE keeps the (action, created_at) index usable: "token." ≤ action < "token/".
    add("action >= ? AND action < ?", prefix, `${prefix.slice(0, -1)}/`);
  } else if (filters.action) add("action = ?", filters.action);
  if (filters.actor) add("actor_token_id = ?", filters.actor);
  if (filters.targetType) add("target_type = ?", filters.targetType);
  if (filters.targetId) add("target_id = ?", filters.targetId);
  if (filters.sinceMs !== undefined) add("created_at >= ?", filters.sinceMs);
  if (filters.untilMs !== undefined) add("created_at < ?", filters.untilMs);
  const after = cursor ? AUDIT_CURSOR.exec(cursor) : null;
  if (after) add("(created_at, id) < (?, ?)", Number(after[1]), after[2]);
  const sql = `SELECT * FROM audit WHERE $tenant(tenant_id)${where.map((w) => ` AND ${w}`).join("")} ORDER BY created_at DESC, id DESC LIMIT ?`;
  const rows = (await db.prepare(sql).bind(...values, limit + 1).all<AuditRow>()).results;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(toRecord), nextCursor: rows.length > limit && last ? `${last.created_at}.${last.id}` : null };
}
