/** D1 access for tasks: insert, queue snapshot, read with position, guarded status transitions. A large `expected` lives in the payload store. */
import type { PayloadStore } from "../events/payload-store";
import { iso, isoOrNull } from "../lib/time";
import type { TenantDb } from "../tenants/tenant-db";
import { allowedPredecessors, type TaskPriority, type TaskStatus } from "./task-queue";

interface TaskRow {
  id: string;
  tenant_id: string;
  token_id: string;
  title: string;
  priority: TaskPriority;
  priority_rank: number;
  status: TaskStatus;
  deadline: string | null;
  expected: string | null;
  tags: string | null;
  result: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  completed_at: number | null;
  duration_ms: number | null;
}

/** A task as the API returns it. */
export interface TaskView {
  id: string;
  tenantId: string;
  title: string;
  priority: TaskPriority;
  status: TaskStatus;
  position: number | null;
  deadline: string | null;
  expected: string | null;
  tags: string[];
  result: unknown;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
}

/** Fields of a new task. */
export interface NewTask {
  id: string;
  tokenId: string;
  title: string;
  priority: TaskPriority;
  rank: number;
  deadline?: string;
  expected?: string;
  tags?: string[];
  now: number;
}

/** The payload-store key of a task's `expected`. */
function expectedKey(id: string): string {
  return `tasks/${id}/expected`;
}

/** The INSERT for a new pending task in the handle's owning tenant and, when `expected` is large, its payload row (both run in the publishing batch). */
export async function insertTaskStatements(db: TenantDb, store: PayloadStore, task: NewTask): Promise<D1PreparedStatement[]> {
  const expected = task.expected === undefined ? null : await store.prepare(expectedKey(task.id), task.expected, task.now);
  const insert = db
    .prepare(
      `INSERT INTO tasks (tenant_id, id, token_id, title, priority, priority_rank, status, deadline, expected, tags, created_at, updated_at)
       VALUES ($tenant, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)`,
    )
    .bind(task.id, task.tokenId, task.title, task.priority, task.rank, task.deadline ?? null, expected?.column ?? null, task.tags ? JSON.stringify(task.tags) : null, task.now, task.now);
  return [insert, ...(expected?.statements ?? [])];
}

/**
 * The read, run inside the publishing batch, of what a new task of `rank` queues behind in the
 * handle's tenant: its pending tasks of equal or higher priority (from the trigger-kept
 * `task_queue` counts per tenant and rank, so it costs the same whatever the queue's length) and
 * the average duration of its last 50 completed tasks. Pass a handle bound to one tenant.
 */
export function queueSnapshotStatement(db: TenantDb, rank: number): D1PreparedStatement {
  return db
    .prepare(
      `SELECT
         (SELECT COALESCE(SUM(pending), 0) FROM task_queue WHERE $tenant(tenant_id) AND priority_rank <= ?1) AS ahead,
         (SELECT AVG(duration_ms) FROM (SELECT duration_ms FROM tasks WHERE $tenant(tenant_id) AND status = 'completed' AND duration_ms IS NOT NULL ORDER BY completed_at DESC LIMIT 50)) AS average`,
    )
    .bind(rank);
}

/** Reads queueSnapshotStatement's result row. */
export function toQueueSnapshot(result: D1Result | undefined): { ahead: number; averageDurationMs: number | null } {
  const row = result?.results[0] as { ahead: number; average: number | null } | undefined;
  return { ahead: row?.ahead ?? 0, averageDurationMs: row?.average ?? null };
}

/** One task the handle sees, with its current position in its tenant's queue (pending only), or null; `expected` read through the payload store. */
export async function getTask(db: TenantDb, store: PayloadStore, id: string): Promise<TaskView | null> {
  const row = await db
    .prepare(
      `SELECT t.*, CASE WHEN t.status = 'pending' THEN (
         SELECT COUNT(*) FROM tasks o WHERE o.tenant_id = t.tenant_id AND o.status = 'pending' AND (o.priority_rank < t.priority_rank
           OR (o.priority_rank = t.priority_rank AND (o.created_at < t.created_at OR (o.created_at = t.created_at AND o.id < t.id))))
       ) END AS position
       FROM tasks t WHERE t.id = ? AND $tenant(t.tenant_id)`,
    )
    .bind(id)
    .first<TaskRow & { position: number | null }>();
  if (!row) return null;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    title: row.title,
    priority: row.priority,
    status: row.status,
    position: row.position,
    deadline: row.deadline,
    expected: await store.read(expectedKey(row.id), row.expected),
    tags: row.tags ? (JSON.parse(row.tags) as string[]) : [],
    result: row.result === null ? null : JSON.parse(row.result),
    error: row.error,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    startedAt: isoOrNull(row.started_at),
    completedAt: isoOrNull(row.completed_at),
    durationMs: row.duration_ms,
  };
}

/** A status change reported by a worker. */
export interface TaskTransition {
  status: Exclude<TaskStatus, "pending">;
  result?: unknown;
  error?: string;
  now: number;
}

/**
 * The guarded UPDATE for a transition: it changes the row only from an allowed status, so two
 * workers racing to finish a task publish one event. Duration runs from start (or creation).
 */
export function transitionStatement(db: TenantDb, id: string, change: TaskTransition): D1PreparedStatement {
  const from = allowedPredecessors(change.status);
  const placeholders = from.map(() => "?").join(", ");
  if (change.status === "running") {
    return db
      .prepare(`UPDATE tasks SET status = 'running', started_at = ?, updated_at = ? WHERE id = ? AND $tenant(tenant_id) AND status IN (${placeholders})`)
      .bind(change.now, change.now, id, ...from);
  }
  return db
    .prepare(
      `UPDATE tasks SET status = ?, result = ?, error = ?, completed_at = ?, updated_at = ?,
         duration_ms = ? - COALESCE(started_at, created_at)
       WHERE id = ? AND $tenant(tenant_id) AND status IN (${placeholders})`,
    )
    .bind(change.status, change.result === undefined ? null : JSON.stringify(change.result), change.error ?? null, change.now, change.now, change.now, id, ...from);
}
