/** D1 access for runs and open waits: the run row mirrors its Workflow instance (status, each step's outcome). */
import type { FilterGroup } from "../delivery/core/match";
import { iso } from "../lib/time";
import type { TenantDb } from "../tenants/tenant-db";
import type { RunStatus, Step, StepState, StepStatus } from "./model";

/** A runs row. */
export interface RunRow {
  id: string;
  tenant_id: string;
  rule_id: string;
  event_id: string;
  status: RunStatus;
  depth: number;
  steps: string;
  error: string | null;
  started_at: number;
  ended_at: number | null;
  updated_at: number;
}

/** Statuses a run cannot leave by itself (only restart does). */
export const FINAL_STATUSES: readonly RunStatus[] = ["completed", "failed", "terminated"];
/** Stored step outputs are cut to this many characters of JSON (the row stays well under D1's limit). */
export const STORED_OUTPUT_LIMIT = 16_384;

/** The initial step states of a rule's steps. */
export function pendingSteps(steps: readonly Step[]): StepState[] {
  return steps.map((s) => ({ id: s.id, kind: s.kind, status: "pending", attempts: 0 }));
}

/** The API view of a run. */
export function runView(row: RunRow) {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    ruleId: row.rule_id,
    eventId: row.event_id,
    status: row.status,
    depth: row.depth,
    startedAt: iso(row.started_at),
    ...(row.ended_at !== null ? { endedAt: iso(row.ended_at) } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
    steps: JSON.parse(row.steps) as StepState[],
  };
}

/** A run row to insert in the handle's owning tenant (status queued); `INSERT OR IGNORE` makes a second start of the same id a no-op. */
export function insertRunStatement(db: TenantDb, run: { id: string; ruleId: string; eventId: string; depth: number; steps: StepState[]; now: number }): D1PreparedStatement {
  return db
    .prepare("INSERT OR IGNORE INTO runs (id, tenant_id, rule_id, event_id, status, depth, steps, started_at, updated_at) VALUES (?, $tenant, ?, ?, 'queued', ?, ?, ?, ?)")
    .bind(run.id, run.ruleId, run.eventId, run.depth, JSON.stringify(run.steps), run.now, run.now);
}

/** One run the handle sees, or null. */
export async function getRun(db: TenantDb, id: string): Promise<RunRow | null> {
  return db.prepare("SELECT * FROM runs WHERE id = ? AND $tenant(tenant_id)").bind(id).first<RunRow>();
}

/** A page of the runs the handle sees, newest first, optionally of one rule and/or status; cursor `<started_at>:<id>`. */
export async function listRuns(db: TenantDb, options: { rule?: string; status?: RunStatus; limit: number; cursor?: string }): Promise<{ items: RunRow[]; nextCursor: string | null }> {
  const where: string[] = ["$tenant(tenant_id)"];
  const values: unknown[] = [];
  if (options.rule) where.push("rule_id = ?") && values.push(options.rule);
  if (options.status) where.push("status = ?") && values.push(options.status);
  const split = (options.cursor ?? "").indexOf(":");
  if (options.cursor && split > 0 && /^\d+$/.test(options.cursor.slice(0, split))) {
    where.push("(started_at, id) < (?, ?)");
    values.push(Number(options.cursor.slice(0, split)), options.cursor.slice(split + 1));
  }
  const sql = `SELECT * FROM runs WHERE ${where.join(" AND ")} ORDER BY started_at DESC, id DESC LIMIT ?`;
  const rows = await db.prepare(sql).bind(...values, options.limit + 1).all<RunRow>();
  const items = rows.results.slice(0, options.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.results.length > options.limit && last ? `${last.started_at}:${last.id}` : null };
}

/** Options of updateRun. */
export interface RunUpdate {
  status?: RunStatus;
  /** Index and new state of one step. */
  step?: { index: number; state: StepState };
  error?: string | null;
  endedAt?: number | null;
  now: number;
  /** Overwrite even a paused or terminated run's status (pause/resume/terminate/restart routes). */
  force?: boolean;
  /** Skip the whole update while step `index` already has one of these statuses (replays rewrite nothing). */
  unless?: { index: number; statuses: readonly StepStatus[] };
}

function storedState(state: StepState): StepState {
  if (state.output === undefined) return state;
  const text = JSON.stringify(state.output);
  return text.length <= STORED_OUTPUT_LIMIT ? state : { ...state, output: { truncated: true, preview: text.slice(0, STORED_OUTPUT_LIMIT) } };
}

/**
 * One targeted update of a run row the handle sees. Unless forced, a run paused or terminated by hand keeps that
 * status (the instance's own progress reports only change its steps).
 */
export function updateRunStatement(db: TenantDb, id: string, update: RunUpdate): D1PreparedStatement {
  const sets = ["updated_at = ?"];
  const values: unknown[] = [update.now];
  if (update.status) {
    sets.push(update.force ? "status = ?" : "status = CASE WHEN status IN ('paused', 'terminated') THEN status ELSE ? END");
    values.push(update.status);
  }
  if (update.step) {
    sets.push(`steps = json_set(steps, '$[${update.step.index}]', json(?))`);
    values.push(JSON.stringify(storedState(update.step.state)));
  }
  if (update.error !== undefined) sets.push("error = ?") && values.push(update.error);
  if (update.endedAt !== undefined) sets.push("ended_at = ?") && values.push(update.endedAt);
  let where = "id = ? AND $tenant(tenant_id)";
  values.push(id);
  if (update.unless && update.unless.statuses.length > 0) {
    where += ` AND COALESCE(json_extract(steps, '$[${update.unless.index}].status'), '') NOT IN (SELECT value FROM json_each(?))`;
    values.push(JSON.stringify(update.unless.statuses));
  }
  return db.prepare(`UPDATE runs SET ${sets.join(", ")} WHERE ${where}`).bind(...values);
}

/** Resets a run the handle sees for restart: every step pending, no error, queued. */
export function resetRunStatement(db: TenantDb, row: RunRow, now: number): D1PreparedStatement {
  const steps = (JSON.parse(row.steps) as StepState[]).map((s) => ({ id: s.id, kind: s.kind, status: "pending", attempts: 0 }));
  return db.prepare("UPDATE runs SET status = 'queued', steps = ?, error = NULL, ended_at = NULL, started_at = ?, updated_at = ? WHERE id = ? AND $tenant(tenant_id)").bind(JSON.stringify(steps), now, now, row.id);
}

/** An open wait. */
export interface WaitRow {
  run_id: string;
  step_id: string;
  tenant_id: string;
  event_pattern: string;
  match: string | null;
  created_at: number;
  expires_at: number;
}

/** Records an open wait of the handle's owning tenant (its match already rendered). */
export function insertWaitStatement(db: TenantDb, wait: { runId: string; stepId: string; pattern: string; match: FilterGroup | null; now: number; expiresAt: number }): D1PreparedStatement {
  return db
    .prepare("INSERT OR REPLACE INTO run_waits (run_id, step_id, tenant_id, event_pattern, match, created_at, expires_at) VALUES (?, ?, $tenant, ?, ?, ?, ?)")
    .bind(wait.runId, wait.stepId, wait.pattern, wait.match ? JSON.stringify(wait.match) : null, wait.now, wait.expiresAt);
}

/** Removes a run's waits (one step's, or all) among those the handle sees. */
export function deleteWaitsStatement(db: TenantDb, runId: string, stepId?: string): D1PreparedStatement {
  return stepId === undefined
    ? db.prepare("DELETE FROM run_waits WHERE run_id = ? AND $tenant(tenant_id)").bind(runId)
    : db.prepare("DELETE FROM run_waits WHERE run_id = ? AND step_id = ? AND $tenant(tenant_id)").bind(runId, stepId);
}

/** The open, unexpired waits of the handle's tenant (one indexed query; pass a handle bound to one tenant). */
export async function openWaits(db: TenantDb, now: number): Promise<WaitRow[]> {
  return (await db.prepare("SELECT * FROM run_waits WHERE $tenant(tenant_id) AND expires_at > ? LIMIT 1000").bind(now).all<WaitRow>()).results;
}

/** The open waits of one run the handle sees. */
export async function waitsOfRun(db: TenantDb, runId: string): Promise<WaitRow[]> {
  return (await db.prepare("SELECT * FROM run_waits WHERE run_id = ? AND $tenant(tenant_id)").bind(runId).all<WaitRow>()).results;
}

/** True when any wait of any tenant is open (cheap: the primary key's first row). */
export async function anyOpenWait(db: TenantDb): Promise<boolean> {
  return (await db.prepare("SELECT 1 AS one FROM run_waits WHERE $tenant(tenant_id) LIMIT 1").first()) !== null;
}
