/** D1 access for sources: stored provider configuration (secrets sealed) and the delivery-id dedup table. */
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

/** The stored configuration of one provider, or null. */
export async function getStoredSource(db: D1Database, provider: string): Promise<StoredSource | null> {
  const row = await db.prepare("SELECT * FROM sources WHERE provider = ?").bind(provider).first<SourceRow>();
  return row ? fromRow(row) : null;
}

/** Every stored provider configuration. */
export async function listStoredSources(db: D1Database): Promise<StoredSource[]> {
  const rows = await db.prepare("SELECT * FROM sources ORDER BY provider").all<SourceRow>();
  return rows.results.map(fromRow);
}

/**
 * Creates or replaces a provider's configuration (`createdAt` of an existing row is kept) in one
 * batch with `also` (e.g. its audit row). Returns the stored record.
 */
export async function putStoredSource(db: D1Database, source: Omit<StoredSource, "createdAt" | "updatedAt">, now: number, also: D1PreparedStatement[] = []): Promise<StoredSource> {
  const upsert = db
    .prepare(
      `INSERT INTO sources (provider, enabled, secrets, secret_count, tolerance_seconds, options, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (provider) DO UPDATE SET enabled = excluded.enabled, secrets = excluded.secrets, secret_count = excluded.secret_count,
         tolerance_seconds = excluded.tolerance_seconds, options = excluded.options, updated_at = excluded.updated_at
       RETURNING *`,
    )
    .bind(source.provider, source.enabled ? 1 : 0, source.sealedSecrets, source.secretCount, source.toleranceSeconds, source.generic ? JSON.stringify(source.generic) : null, now, now);
  const [result] = await db.batch<SourceRow>([upsert, ...also]);
  return fromRow(result!.results[0]!);
}

/** Deletes a provider's stored configuration in one batch with `also` (run only-if-changed); false when there was none. */
export async function deleteStoredSource(db: D1Database, provider: string, also: D1PreparedStatement[] = []): Promise<boolean> {
  const [result] = await db.batch([db.prepare("DELETE FROM sources WHERE provider = ?").bind(provider), ...also]);
  return result!.meta.changes > 0;
}

/**
 * Records a provider delivery id unless it is already known, until `expiresAt` (the cron's
 * retention deletes it then). Run as the last statement of the publishing batch with
 * `requireChange`: a known id changes no row, so no event is written.
 */
export function rememberDeliveryStatement(db: D1Database, provider: string, deliveryId: string, eventId: string, now: number, expiresAt: number): D1PreparedStatement {
  return db
    .prepare("INSERT OR IGNORE INTO source_deliveries (provider, delivery_id, event_id, received_at, expires_at) VALUES (?, ?, ?, ?, ?)")
    .bind(provider, deliveryId, eventId, now, expiresAt);
}

/** The read (run inside the publishing batch, before the insert) of the event a delivery id first became. */
export function firstDeliveryStatement(db: D1Database, provider: string, deliveryId: string): D1PreparedStatement {
  return db.prepare("SELECT event_id FROM source_deliveries WHERE provider = ? AND delivery_id = ?").bind(provider, deliveryId);
}
