/** D1 access for inspectors and their recorded requests. */
import { nextEventId } from "../lib/ids";
import { randomToken } from "../lib/crypto";
import { iso } from "../lib/time";
import type { TenantDb } from "../tenants/tenant-db";
import { INSPECTOR_KEEP, type CapturedRequest } from "./capture";

/** An inspector row. */
export interface InspectorRow {
  id: string;
  tenant_id: string;
  name: string | null;
  created_by: string | null;
  created_at: number;
}

interface RequestRow {
  id: string;
  inspector_id: string;
  tenant_id: string;
  method: string;
  path: string;
  query: string;
  headers: string;
  body: string;
  body_encoding: "utf8" | "base64";
  body_size: number;
  truncated: number;
  source_ip: string | null;
  received_at: number;
}

/** A new inspector id: `insp_` + 16 url-safe random chars (the credential of its capture url). */
export const newInspectorId = (): string => `insp_${randomToken(12)}`;

/** Inserts an inspector into the handle's owning tenant (`row.tenant_id` is that tenant). */
export async function createInspector(db: TenantDb, row: Omit<InspectorRow, "tenant_id">): Promise<InspectorRow> {
  await db.prepare("INSERT INTO inspectors (id, tenant_id, name, created_by, created_at) VALUES (?, $tenant, ?, ?, ?)").bind(row.id, row.name, row.created_by, row.created_at).run();
  return { ...row, tenant_id: db.owner };
}

/** The inspectors the handle sees, newest first. */
export async function listInspectors(db: TenantDb): Promise<InspectorRow[]> {
  return (await db.prepare("SELECT * FROM inspectors WHERE $tenant(tenant_id) ORDER BY created_at DESC, id DESC LIMIT 1000").all<InspectorRow>()).results;
}

/** One inspector the handle sees, or null. */
export async function getInspector(db: TenantDb, id: string): Promise<InspectorRow | null> {
  return db.prepare("SELECT * FROM inspectors WHERE id = ? AND $tenant(tenant_id)").bind(id).first<InspectorRow>();
}

/** Deletes an inspector the handle sees with its requests; false when there was none. */
export async function deleteInspector(db: TenantDb, id: string): Promise<boolean> {
  const [, deleted] = await db.batch([
    db.prepare("DELETE FROM inspector_requests WHERE inspector_id = (SELECT id FROM inspectors WHERE id = ? AND $tenant(tenant_id))").bind(id),
    db.prepare("DELETE FROM inspectors WHERE id = ? AND $tenant(tenant_id)").bind(id),
  ]);
  return (deleted?.meta.changes ?? 0) > 0;
}

/**
 * Records a request if the inspector exists (among those the handle sees: the unauthenticated
 * capture passes one spanning every tenant) in the inspector's tenant, and trims it to its newest
 * INSPECTOR_KEEP, in one batch. Returns the request id, or null when the inspector does not exist.
 */
export async function recordRequest(db: TenantDb, inspectorId: string, request: CapturedRequest, now: number): Promise<string | null> {
  const id = `ireq_${nextEventId().slice("evt-".length)}`;
  const [inserted] = await db.batch([
    db
      .prepare(
        `INSERT INTO inspector_requests (id, inspector_id, tenant_id, method, path, query, headers, body, body_encoding, body_size, truncated, source_ip, received_at)
         SELECT ?, id, tenant_id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM inspectors WHERE id = ? AND $tenant(tenant_id)`,
      )
      .bind(id, request.method, request.path, request.query, JSON.stringify(request.headers), request.body, request.bodyEncoding, request.bodySize, request.truncated ? 1 : 0, request.sourceIp, now, inspectorId),
    db
      .prepare("DELETE FROM inspector_requests WHERE inspector_id = ? AND $tenant(tenant_id) AND id < (SELECT id FROM inspector_requests WHERE inspector_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)")
      .bind(inspectorId, inspectorId, INSPECTOR_KEEP - 1),
  ]);
  return (inserted?.meta.changes ?? 0) > 0 ? id : null;
}

/** A recorded request as the API shows it. */
export function toRequestView(row: RequestRow) {
  return {
    id: row.id,
    inspectorId: row.inspector_id,
    tenantId: row.tenant_id,
    method: row.method,
    path: row.path,
    query: row.query,
    headers: JSON.parse(row.headers) as Record<string, string>,
    body: row.body,
    bodyEncoding: row.body_encoding,
    bodySize: row.body_size,
    truncated: row.truncated === 1,
    sourceIp: row.source_ip,
    receivedAt: iso(row.received_at),
  };
}

/** A page of an inspector's requests the handle sees, newest first; the cursor is the last id shown. */
export async function listRequests(db: TenantDb, inspectorId: string, limit: number, cursor?: string) {
  const rows = (
    await db
      .prepare(`SELECT * FROM inspector_requests WHERE inspector_id = ? AND $tenant(tenant_id) ${cursor ? "AND id < ?" : ""} ORDER BY id DESC LIMIT ?`)
      .bind(...(cursor ? [inspectorId, cursor, limit + 1] : [inspectorId, limit + 1]))
      .all<RequestRow>()
  ).results;
  const page = rows.slice(0, limit);
  return { items: page.map(toRequestView), nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
}

/** One recorded request of an inspector, among those the handle sees, or null. */
export async function getRequest(db: TenantDb, inspectorId: string, requestId: string) {
  const row = await db.prepare("SELECT * FROM inspector_requests WHERE inspector_id = ? AND id = ? AND $tenant(tenant_id)").bind(inspectorId, requestId).first<RequestRow>();
  return row ? toRequestView(row) : null;
}
