/** D1 access for research jobs: insert, read, guarded completion. */
import { iso, isoOrNull } from "../lib/time";
import type { TenantDb } from "../tenants/tenant-db";

interface ResearchRow {
  id: string;
  tenant_id: string;
  topic: string;
  depth: number;
  format: "markdown" | "json" | "html";
  sources: string | null;
  max_age: number | null;
  status: "started" | "completed";
  report: string | null;
  created_at: number;
  updated_at: number;
  estimated_completion_at: number;
  completed_at: number | null;
}

/** Minutes of estimated work per depth level (depth 1 → 2 min, 5 → 10 min). */
export const MINUTES_PER_DEPTH = 2;

/** When a research job of `depth` started at `now` is expected to finish. */
export function estimateResearchCompletion(depth: number, now: number): number {
  return now + depth * MINUTES_PER_DEPTH * 60_000;
}

/** Fields of a new research job. */
export interface NewResearch {
  id: string;
  tokenId: string;
  topic: string;
  depth: number;
  format: ResearchRow["format"];
  sources?: string[];
  maxAge?: number;
  now: number;
  estimatedCompletionAt: number;
}

/** The INSERT for a new research job in the handle's owning tenant (runs in the publishing batch). */
export function insertResearchStatement(db: TenantDb, job: NewResearch): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO research (tenant_id, id, token_id, topic, depth, format, sources, max_age, status, created_at, updated_at, estimated_completion_at)
       VALUES ($tenant, ?, ?, ?, ?, ?, ?, ?, 'started', ?, ?, ?)`,
    )
    .bind(job.id, job.tokenId, job.topic, job.depth, job.format, job.sources ? JSON.stringify(job.sources) : null, job.maxAge ?? null, job.now, job.now, job.estimatedCompletionAt);
}

/** One research job the handle sees, as the API returns it, or null. */
export async function getResearch(db: TenantDb, id: string) {
  const row = await db.prepare("SELECT * FROM research WHERE id = ? AND $tenant(tenant_id)").bind(id).first<ResearchRow>();
  if (!row) return null;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    topic: row.topic,
    depth: row.depth,
    format: row.format,
    sources: row.sources ? (JSON.parse(row.sources) as string[]) : [],
    maxAge: row.max_age,
    status: row.status,
    report: row.report === null ? null : (JSON.parse(row.report) as unknown),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    estimatedCompletion: iso(row.estimated_completion_at),
    completedAt: isoOrNull(row.completed_at),
  };
}

/** The guarded UPDATE that completes a job the handle sees once; a second completion changes nothing. */
export function completeResearchStatement(db: TenantDb, id: string, report: unknown, now: number): D1PreparedStatement {
  return db
    .prepare("UPDATE research SET status = 'completed', report = ?, completed_at = ?, updated_at = ? WHERE id = ? AND $tenant(tenant_id) AND status = 'started'")
    .bind(JSON.stringify(report), now, now, id);
}
