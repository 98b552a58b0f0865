/** D1 access for per-tenant inbound sources (table tenant_sources): every query carries its tenant marker. */
import { randomToken } from "../lib/crypto";
import type { TenantDb } from "../tenants/tenant-db";
import type { GenericOptions, ProviderName } from "./signature";

/** A tenant source id: `src_` + 16 url-safe chars. */
export const SOURCE_ID = /^src_[A-Za-z0-9_-]{16}$/;

/** A fresh source id (96 random bits). */
export function newSourceId(): string {
  return `src_${randomToken(12)}`;
}

/** A source's scheme settings: the tolerance, and for `generic` its signature scheme (unset fields take the defaults). */
export interface TenantSourceSettings {
  toleranceSeconds?: number | null;
  header?: GenericOptions["header"];
  algorithm?: GenericOptions["algorithm"];
  encoding?: GenericOptions["encoding"];
  prefix?: GenericOptions["prefix"];
  eventTypeHeader?: GenericOptions["eventTypeHeader"];
  deliveryIdHeader?: GenericOptions["deliveryIdHeader"];
}

/** A tenant's source as stored; `sealedSecrets` is the AES-GCM sealed JSON array (context `source:<id>`). */
export interface TenantSourceRecord {
  id: string;
  tenantId: string;
  provider: ProviderName;
  name: string | null;
  enabled: boolean;
  sealedSecrets: string;
  secretCount: number;
  /** Accepted event-type patterns (`github.push`, `github.*`); null accepts every type. */
  events: string[] | null;
  settings: TenantSourceSettings;
  createdAt: number;
  updatedAt: number;
}

interface TenantSourceRow {
  id: string;
  tenant_id: string;
  provider: string;
  name: string | null;
  enabled: number;
  secrets: string;
  secret_count: number;
  events: string | null;
  settings: string | null;
  created_at: number;
  updated_at: number;
}

function fromRow(row: TenantSourceRow): TenantSourceRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    provider: row.provider as ProviderName,
    name: row.name,
    enabled: row.enabled === 1,
    sealedSecrets: row.secrets,
    secretCount: row.secret_count,
    events: row.events ? (JSON.parse(row.events) as string[]) : null,
    settings: row.settings ? (JSON.parse(row.settings) as TenantSourceSettings) : {},
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** What creating a source stores (the tenant is the handle's owner). */
export type NewTenantSource = Omit<TenantSourceRecord, "tenantId" | "createdAt" | "updatedAt">;

/** What PATCH may change. */
export type TenantSourceChanges = Partial<Pick<TenantSourceRecord, "name" | "enabled" | "sealedSecrets" | "secretCount" | "events" | "settings">>;

/** Inserts a source in the handle's owning tenant, in one batch with `also` (its audit row). */
export async function createTenantSource(db: TenantDb, source: NewTenantSource, now: number, also: D1PreparedStatement[] = []): Promise<TenantSourceRecord> {
  const insert = db
    .prepare(
      `INSERT INTO tenant_sources (id, tenant_id, provider, name, enabled, secrets, secret_count, events, settings, created_at, updated_at)
       VALUES (?, $tenant, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    )
    .bind(source.id, source.provider, source.name, source.enabled ? 1 : 0, source.sealedSecrets, source.secretCount, source.events ? JSON.stringify(source.events) : null, JSON.stringify(source.settings), now, now);
  const [result] = await db.batch<TenantSourceRow>([insert, ...also]);
  return fromRow(result!.results[0]!);
}

/** The source `id` of `provider` when the handle sees its tenant, else null (unknown and foreign look the same). */
export async function getTenantSource(db: TenantDb, provider: string, id: string): Promise<TenantSourceRecord | null> {
  const row = await db.prepare("SELECT * FROM tenant_sources WHERE id = ? AND provider = ? AND $tenant(tenant_id)").bind(id, provider).first<TenantSourceRow>();
  return row ? fromRow(row) : null;
}

/** A page of the sources the handle sees, oldest first, after the cursor (a source id). */
export async function listTenantSources(db: TenantDb, limit: number, cursor?: string): Promise<{ items: TenantSourceRecord[]; nextCursor: string | null }> {
  const rows = cursor
    ? await db
        .prepare(
          `SELECT * FROM tenant_sources WHERE $tenant(tenant_id)
             AND (created_at, id) > (SELECT created_at, id FROM tenant_sources WHERE id = ? AND $tenant(tenant_id))
           ORDER BY created_at, id LIMIT ?`,
        )
        .bind(cursor, limit + 1)
        .all<TenantSourceRow>()
    : await db.prepare("SELECT * FROM tenant_sources WHERE $tenant(tenant_id) ORDER BY created_at, id LIMIT ?").bind(limit + 1).all<TenantSourceRow>();
  const items = rows.results.slice(0, limit).map(fromRow);
  return { items, nextCursor: rows.results.length > limit ? items[items.length - 1]!.id : null };
}

/** Applies changes in one batch with `also` (run only-if-changed); the updated source, or null when the handle does not see it. */
export async function updateTenantSource(db: TenantDb, provider: string, id: string, changes: TenantSourceChanges, now: number, also: D1PreparedStatement[] = []): Promise<TenantSourceRecord | null> {
  const sets: string[] = ["updated_at = ?"];
  const values: unknown[] = [now];
  const set = (column: string, value: unknown) => (sets.push(`${column} = ?`), values.push(value));
  if (changes.name !== undefined) set("name", changes.name);
  if (changes.enabled !== undefined) set("enabled", changes.enabled ? 1 : 0);
  if (changes.sealedSecrets !== undefined) set("secrets", changes.sealedSecrets);
  if (changes.secretCount !== undefined) set("secret_count", changes.secretCount);
  if (changes.events !== undefined) set("events", changes.events === null ? null : JSON.stringify(changes.events));
  if (changes.settings !== undefined) set("settings", JSON.stringify(changes.settings));
  const update = db.prepare(`UPDATE tenant_sources SET ${sets.join(", ")} WHERE id = ? AND provider = ? AND $tenant(tenant_id) RETURNING *`).bind(...values, id, provider);
  const [result] = await db.batch<TenantSourceRow>([update, ...also]);
  const row = result?.results[0];
  return row ? fromRow(row) : null;
}

/** Deletes a source in one batch with `also` (run only-if-changed); false when the handle does not see it. */
export async function deleteTenantSource(db: TenantDb, provider: string, id: string, also: D1PreparedStatement[] = []): Promise<boolean> {
  const [result] = await db.batch([db.prepare("DELETE FROM tenant_sources WHERE id = ? AND provider = ? AND $tenant(tenant_id)").bind(id, provider), ...also]);
  return (result?.meta.changes ?? 0) > 0;
}

/**
 * The source a signed delivery names, in whichever tenant it is (the receiver is unauthenticated:
 * the id and the signature are the credential). `db` spans every tenant: `TenantDb.all(env.DB)`.
 */
export async function findSourceForDelivery(db: TenantDb, provider: string, id: string): Promise<TenantSourceRecord | null> {
  return getTenantSource(db, provider, id);
}
