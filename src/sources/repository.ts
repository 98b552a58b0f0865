/** D1 access for sources: stored provider configuration (secrets sealed; the default tenant's) and the delivery-id dedup table. */
import type { TenantDb } from "../tenants/tenant-db";
import type { GenericOptions } from "./signature";

/** A provider's configuration as stored by PUT /sources/:provider; `sealedSecrets` is AES-GCM sealed JSON. */
export interface StoredSource {
  provider: string;
  enabled: boolean;
  sealedSecrets: string;
  secretCount: number;
  toleranceSeconds: number | null;
  generic: GenericOptions | null;
  createdAt: number;
  updatedAt: number;
}

interface SourceRow {
  provider: string;
  enabled: number;
  secrets: string;
  secret_count: number;
  tolerance_seconds: number | null;
  options: string | null;
  created_at: number;
  updated_at: number;
}

function fromRow(row: SourceRow): StoredSource {
  return {
    provider: row.provider,
    enabled: row.enabled === 1,
    sealedSecrets: row.secrets,
    secretCount: row.secret_count,
    toleranceSeconds: row.tolerance_seconds,
    generic: row.options ? (JSON.parse(row.options) as GenericOptions) : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The stored configuration of one provider, or null. The per-provider rows are the default
 * tenant's: callers pass `TenantDb.of(db, DEFAULT_TENANT)` (a handle of another tenant sees none).
 */
export async function getStoredSource(db: TenantDb, provider: string): Promise<StoredSource | null> {
  const row = await db.prepare("SELECT * FROM sources WHERE provider = ? AND $tenant(tenant_id)").bind(provider).first<SourceRow>();
  return row ? fromRow(row) : null;
}

/** Every stored provider configuration the handle sees. */
export async function listStoredSources(db: TenantDb): Promise<StoredSource[]> {
  const rows = await db.prepare("SELECT * FROM sources WHERE $tenant(tenant_id) ORDER BY provider").all<SourceRow>();
  return rows.results.map(fromRow);
}

/**
 * Creates or replaces a provider's configuration (`createdAt` of an existing row is kept) in one
 * batch with `also` (e.g. its audit row). Returns the stored record.
 */
export async function putStoredSource(db: TenantDb, source: Omit<StoredSource, "createdAt" | "updatedAt">, now: number, also: D1PreparedStatement[] = []): Promise<StoredSource> {
  // The row goes to the handle's owner; an existing row of another tenant is never overwritten.
  const upsert = db
    .prepare(
      `INSERT INTO sources (provider, enabled, secrets, secret_count, tolerance_seconds, options, created_at, updated_at, tenant_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, $tenant)
       ON CONFLICT (provider) DO UPDATE SET enabled = excluded.enabled, secrets = excluded.secrets, secret_count = excluded.secret_count,
         tolerance_seconds = excluded.tolerance_seconds, options = excluded.options, updated_at = excluded.updated_at
       WHERE sources.tenant_id = excluded.tenant_id
       RETURNING *`,
    )
    .bind(source.provider, source.enabled ? 1 : 0, source.sealedSecrets, source.secretCount, source.toleranceSeconds, source.generic ? JSON.stringify(source.generic) : null, now, now);
  const [result] = await db.batch<SourceRow>([upsert, ...also]);
  return fromRow(result!.results[0]!);
}

/** Deletes a provider's stored configuration in one batch with `also` (run only-if-changed); false when there was none. */
export async function deleteStoredSource(db: TenantDb, provider: string, also: D1PreparedStatement[] = []): Promise<boolean> {
  const [result] = await db.batch([db.prepare("DELETE FROM sources WHERE provider = ? AND $tenant(tenant_id)").bind(provider), ...also]);
  return result!.meta.changes > 0;
}

/** The keys one inbound delivery is remembered under: the provider's delivery id and the body's hash (the same when there is no id). */
export interface DedupKeys {
  deliveryKey: string;
  bodyKey: string;
}

/**
 * Records a delivery under its id and its body hash unless either is already known, until
 * `expiresAt` (the cron's retention deletes the rows then): a replay with a fresh unsigned id
 * header is still a duplicate. Run last in the publishing batch with `requireChange`: the final
 * statement changes a row only when the delivery is new, so a duplicate writes no event.
 * `dedupScope` is the provider (`github`) for the default tenant's per-provider URL, and
 * `<provider>:<source id>` for a tenant's source; `db` is bound to the source's tenant.
 */
export function rememberDeliveryStatements(db: TenantDb, dedupScope: string, keys: DedupKeys, eventId: string, now: number, expiresAt: number): D1PreparedStatement[] {
  const columns = "INSERT INTO source_deliveries (provider, delivery_id, event_id, received_at, expires_at, tenant_id)";
  const byBody = db
    .prepare(`${columns} SELECT ?1, ?2, ?3, ?4, ?5, $tenant WHERE NOT EXISTS (SELECT 1 FROM source_deliveries WHERE provider = ?1 AND delivery_id IN (?2, ?6) AND $tenant(tenant_id))`)
    .bind(dedupScope, keys.bodyKey, eventId, now, expiresAt, keys.deliveryKey);
  if (keys.deliveryKey === keys.bodyKey) return [byBody];
  // changes() is the row count of the statement just before: the id is recorded only when the body was new.
  const byId = db.prepare(`${columns} SELECT ?, ?, ?, ?, ?, $tenant WHERE changes() > 0`).bind(dedupScope, keys.deliveryKey, eventId, now, expiresAt);
  return [byBody, byId];
}

/** The read (run inside the publishing batch, before the inserts) of the event a delivery (by id or body) first became. */
export function firstDeliveryStatement(db: TenantDb, dedupScope: string, keys: DedupKeys): D1PreparedStatement {
  return db
    .prepare("SELECT event_id FROM source_deliveries WHERE provider = ? AND delivery_id IN (?, ?) AND $tenant(tenant_id) ORDER BY received_at LIMIT 1")
    .bind(dedupScope, keys.deliveryKey, keys.bodyKey);
}
