/**
 * D1 access for tenants: create, read (isolate-cached for the hot path), list, update, delete.
 * Only the admin manages tenants, and a tenant row is not itself tenant-owned, so this store takes
 * the raw D1Database (it spans tenants by nature); deleteTenant and revokePortalTokens name the
 * tenant explicitly in every statement on a tenant-owned table.
 */
import { TtlCache } from "../auth/token-cache";
import { iso } from "../lib/time";
import { DEFAULT_TENANT, TENANT_OWNED_TABLES, type Tenant } from "./model";

interface TenantRow {
  id: string;
  name: string;
  rate_limit: number | null;
  metadata: string | null;
  portal_revoked_at: number | null;
  created_at: number;
  updated_at: number;
}

/** A tenant as stored (portal_revoked_at stays in D1 as the time of the last revoke; nothing reads it on the hot path). */
export type TenantRecord = Tenant;

function toRecord(row: TenantRow): TenantRecord {
  return {
    id: row.id,
    name: row.name,
    rateLimit: row.rate_limit,
    metadata: row.metadata ? (JSON.parse(row.metadata) as Record<string, unknown>) : null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** Fields to create a tenant with. */
export interface NewTenant {
  id: string;
  name: string;
  rateLimit?: number | null;
  metadata?: Record<string, unknown> | null;
}

/** Fields PATCH /tenants/:id may change. */
export type TenantChanges = Partial<Omit<NewTenant, "id">>;

let cache: TtlCache<TenantRecord> | null = null;

/** How long a tenant lookup stays cached in an isolate (the same window as token lookups). */
export const TENANT_CACHE_TTL_MS = 30_000;

/** Drops every cached tenant lookup in this isolate (after a tenant changes here). */
export function forgetCachedTenants(): void {
  cache?.clear();
}

/**
 * The tenant `id`, or null; served from the isolate cache when fresh (no D1 on a hit). Only found
 * tenants are cached: a tenant created in another isolate is visible here at once (only the admin
 * names tenants that may not exist, so a miss is rare and not worth remembering).
 */
export async function findTenant(db: D1Database, id: string, ttlMs = TENANT_CACHE_TTL_MS): Promise<TenantRecord | null> {
  cache ??= new TtlCache({ ttlMs });
  const hit = cache.get(id);
  if (hit) return hit;
  const record = await getTenant(db, id);
  if (record) cache.set(id, record);
  return record;
}

/** The tenant `id` read from D1 now (no cache), or null. */
export async function getTenant(db: D1Database, id: string): Promise<TenantRecord | null> {
  const row = await db.prepare("SELECT * FROM tenants WHERE id = ?").bind(id).first<TenantRow>();
  return row ? toRecord(row) : null;
}

/** Inserts a tenant; null when the id is taken. `alongside` (its audit row) commits in the same batch. */
export async function createTenant(db: D1Database, input: NewTenant, now = Date.now(), alongside: D1PreparedStatement[] = []): Promise<TenantRecord | null> {
  const insert = db
    .prepare("INSERT INTO tenants (id, name, rate_limit, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING *")
    .bind(input.id, input.name, input.rateLimit ?? null, input.metadata ? JSON.stringify(input.metadata) : null, now, now);
  const [result] = await db.batch<TenantRow>([insert, ...alongside]);
  forgetCachedTenants();
  const row = result?.results[0];
  return row ? toRecord(row) : null;
}

/** A page of tenants, oldest first, after the cursor (a tenant id). */
export async function listTenants(db: D1Database, limit: number, cursor?: string): Promise<{ items: TenantRecord[]; nextCursor: string | null }> {
  const rows = cursor
    ? await db
        .prepare("SELECT * FROM tenants WHERE (created_at, id) > (SELECT created_at, id FROM tenants WHERE id = ?) ORDER BY created_at, id LIMIT ?")
        .bind(cursor, limit + 1)
        .all<TenantRow>()
    : await db.prepare("SELECT * FROM tenants ORDER BY created_at, id LIMIT ?").bind(limit + 1).all<TenantRow>();
  const items = rows.results.slice(0, limit).map(toRecord);
  return { items, nextCursor: rows.results.length > limit ? items[items.length - 1]!.id : null };
}

/** Applies changes (with `alongside` statements in the same batch); the updated record, or null when the tenant does not exist. */
export async function updateTenant(db: D1Database, id: string, changes: TenantChanges, now = Date.now(), alongside: D1PreparedStatement[] = []): Promise<TenantRecord | null> {
  const sets: string[] = ["updated_at = ?"];
  const values: unknown[] = [now];
  if (changes.name !== undefined) (sets.push("name = ?"), values.push(changes.name));
  if (changes.rateLimit !== undefined) (sets.push("rate_limit = ?"), values.push(changes.rateLimit));
  if (changes.metadata !== undefined) (sets.push("metadata = ?"), values.push(changes.metadata === null ? null : JSON.stringify(changes.metadata)));
  const update = db.prepare(`UPDATE tenants SET ${sets.join(", ")} WHERE id = ? RETURNING *`).bind(...values, id);
  const [result] = await db.batch<TenantRow>([update, ...alongside]);
  const row = result?.results[0];
  forgetCachedTenants();
  return row ? toRecord(row) : null;
}

/** How many rows of each tenant-owned table belong to the tenant (only tables with any). */
export async function tenantHoldings(db: D1Database, id: string): Promise<Record<string, number>> {
  const results = await db.batch<{ n: number }>(TENANT_OWNED_TABLES.map((table) => db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ?`).bind(id)));
  const out: Record<string, number> = {};
  TENANT_OWNED_TABLES.forEach((table, i) => {
    const n = results[i]?.results[0]?.n ?? 0;
    if (n > 0) out[table] = n;
  });
  return out;
}

/**
 * Deletes a tenant and every row it owns in one batch (all or nothing); false when it does not
 * exist. The default tenant is never deleted (the caller refuses it first).
 */
export async function deleteTenant(db: D1Database, id: string, alongside: D1PreparedStatement[] = []): Promise<boolean> {
  if (id === DEFAULT_TENANT) return false;
  const purge = TENANT_OWNED_TABLES.map((table) => db.prepare(`DELETE FROM ${table} WHERE tenant_id = ?`).bind(id));
  const results = await db.batch([...purge, db.prepare("DELETE FROM tenants WHERE id = ?").bind(id), ...alongside]);
  forgetCachedTenants();
  return (results[purge.length]?.meta.changes ?? 0) > 0;
}

/**
 * Ends every portal token of the tenant at once (deactivates them and stamps portal_revoked_at);
 * the number of tokens ended, or null when the tenant does not exist. `alongside` statements (the
 * audit row) commit in the same batch.
 */
export async function revokePortalTokens(db: D1Database, id: string, now = Date.now(), alongside: D1PreparedStatement[] = []): Promise<number | null> {
  const [updated, ended] = await db.batch([
    db.prepare("UPDATE tenants SET portal_revoked_at = ?, updated_at = ? WHERE id = ?").bind(now, now, id),
    db.prepare("UPDATE tokens SET active = 0, updated_at = ? WHERE tenant_id = ? AND type = 'portal' AND active = 1").bind(now, id),
    ...alongside,
  ]);
  forgetCachedTenants();
  return (updated?.meta.changes ?? 0) > 0 ? (ended?.meta.changes ?? 0) : null;
}
