/** D1 access for API tokens: create, look up by key hash, list, update, delete. */
import { iso, isoOrNull } from "../lib/time";
import { randomToken, sha256Hex } from "../lib/crypto";
import { newId } from "../lib/ids";
import type { TenantDb } from "../tenants/tenant-db";

/** A token as the API shows it (never the key or its hash). */
export interface TokenRecord {
  id: string;
  name: string;
  type: string;
  rateLimit: number | null;
  endpoints: string[];
  active: boolean;
  keyPrefix: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  /** The tenant the token acts in. */
  tenantId: string;
  /** A read-only portal token (GET only). */
  readOnly: boolean;
}

interface TokenRow {
  id: string;
  name: string;
  type: string;
  key_prefix: string;
  rate_limit: number | null;
  endpoints: string;
  active: number;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  tenant_id: string;
  read_only: number;
}

function toRecord(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    rateLimit: row.rate_limit,
    endpoints: JSON.parse(row.endpoints) as string[],
    active: row.active === 1,
    keyPrefix: row.key_prefix,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    expiresAt: isoOrNull(row.expires_at),
    lastUsedAt: isoOrNull(row.last_used_at),
    tenantId: row.tenant_id,
    readOnly: row.read_only === 1,
  };
}

/** Fields to create a token with. */
export interface NewToken {
  name: string;
  type: string;
  rateLimit?: number | null;
  endpoints: string[];
  active?: boolean;
  expiresAt?: string | null;
  /** A read-only portal token (GET only). */
  readOnly?: boolean;
  /** The key's prefix: `ehk` for API tokens, `ehp` for portal tokens. */
  keyKind?: "ehk" | "ehp";
}

/** Makes a new `ehk_` (or `ehp_` portal) key (43 url-safe chars after the prefix). */
export function generateKey(kind: "ehk" | "ehp" = "ehk"): string {
  return `${kind}_${randomToken(32)}`;
}

/** Hash under which a key is stored and looked up. */
export function hashKey(key: string): Promise<string> {
  return sha256Hex(key);
}

/** Statements that commit in the same D1 batch as a token change (e.g. its audit row). */
export type AlongsideStatements = D1PreparedStatement[];

/**
 * Inserts a token and returns its record together with the key, which is never readable again.
 * `alongside(record)` gives statements written in the same batch (all or nothing).
 */
export async function createToken(
  db: TenantDb,
  input: NewToken,
  now = Date.now(),
  alongside: (record: TokenRecord) => AlongsideStatements = () => [],
): Promise<{ record: TokenRecord; key: string }> {
  const key = generateKey(input.keyKind);
  const row: TokenRow = {
    id: newId("tok"),
    name: input.name,
    type: input.type,
    key_prefix: key.slice(0, 10),
    rate_limit: input.rateLimit ?? null,
    endpoints: JSON.stringify(input.endpoints),
    active: input.active === false ? 0 : 1,
    created_at: now,
    updated_at: now,
    expires_at: input.expiresAt ? Date.parse(input.expiresAt) : null,
    last_used_at: null,
    tenant_id: db.owner,
    read_only: input.readOnly ? 1 : 0,
  };
  const insert = db
    .prepare(
      `INSERT INTO tokens (id, name, type, key_hash, key_prefix, rate_limit, endpoints, active, created_at, updated_at, expires_at, tenant_id, read_only)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, $tenant, ?)`,
    )
    .bind(row.id, row.name, row.type, await hashKey(key), row.key_prefix, row.rate_limit, row.endpoints, row.active, now, now, row.expires_at, row.read_only);
  const record = toRecord(row);
  await db.batch([insert, ...alongside(record)]);
  return { record, key };
}

/** The token stored under a key hash, or null (authentication: it spans every tenant, since the key says which). */
export async function findTokenByHash(db: D1Database, keyHash: string): Promise<TokenRecord | null> {
  const row = await db.prepare("SELECT * FROM tokens WHERE key_hash = ? /* every tenant */").bind(keyHash).first<TokenRow>();
  return row ? toRecord(row) : null;
}

/** One token by id, or null. */
export async function getToken(db: TenantDb, id: string): Promise<TokenRecord | null> {
  const row = await db.prepare("SELECT * FROM tokens WHERE id = ? AND $tenant(tenant_id)").bind(id).first<TokenRow>();
  return row ? toRecord(row) : null;
}

/** A page of tokens, oldest first, after the cursor (a token id). */
export async function listTokens(db: TenantDb, limit: number, cursor?: string): Promise<{ items: TokenRecord[]; nextCursor: string | null }> {
  const rows = cursor
    ? await db
        .prepare(
          "SELECT * FROM tokens WHERE $tenant(tenant_id) AND (created_at, id) > (SELECT created_at, id FROM tokens WHERE id = ?) ORDER BY created_at, id LIMIT ?",
        )
        .bind(cursor, limit + 1)
        .all<TokenRow>()
    : await db.prepare("SELECT * FROM tokens WHERE $tenant(tenant_id) ORDER BY created_at, id LIMIT ?").bind(limit + 1).all<TokenRow>();
  const items = rows.results.slice(0, limit).map(toRecord);
  return { items, nextCursor: rows.results.length > limit ? items[items.length - 1]!.id : null };
}

/** Fields that PATCH /tokens/:id may change. */
export interface TokenChanges {
  name?: string;
  type?: string;
  rateLimit?: number | null;
  endpoints?: string[];
  active?: boolean;
  expiresAt?: string | null;
}

/**
 * Applies changes; returns the updated record or null when the token does not exist. `alongside`
 * statements run in the same batch right after the UPDATE (guard them with `changes() > 0`).
 */
export async function updateToken(db: TenantDb, id: string, changes: TokenChanges, now = Date.now(), alongside: AlongsideStatements = []): Promise<TokenRecord | null> {
  const sets: string[] = [];
  const values: unknown[] = [];
  const put = (column: string, value: unknown) => {
    sets.push(`${column} = ?`);
    values.push(value);
  };
  if (changes.name !== undefined) put("name", changes.name);
  if (changes.type !== undefined) put("type", changes.type);
  if (changes.rateLimit !== undefined) put("rate_limit", changes.rateLimit);
  if (changes.endpoints !== undefined) put("endpoints", JSON.stringify(changes.endpoints));
  if (changes.active !== undefined) put("active", changes.active ? 1 : 0);
  if (changes.expiresAt !== undefined) put("expires_at", changes.expiresAt === null ? null : Date.parse(changes.expiresAt));
  put("updated_at", now);
  const [updated] = await db.batch<TokenRow>([db.prepare(`UPDATE tokens SET ${sets.join(", ")} WHERE id = ? AND $tenant(tenant_id) RETURNING *`).bind(...values, id), ...alongside]);
  const row = updated?.results[0];
  return row ? toRecord(row) : null;
}

/** Deletes a token; true when one was deleted. `alongside` as for updateToken. */
export async function deleteToken(db: TenantDb, id: string, alongside: AlongsideStatements = []): Promise<boolean> {
  const [result] = await db.batch([db.prepare("DELETE FROM tokens WHERE id = ? AND $tenant(tenant_id)").bind(id), ...alongside]);
  return (result?.meta.changes ?? 0) > 0;
}

/** Records use, at most once a minute per token so reads do not become writes on the hot path. */
export async function touchToken(db: D1Database, id: string, now = Date.now()): Promise<void> {
  await db
    .prepare("UPDATE tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?) /* every tenant */")
    .bind(now, id, now - 60_000)
    .run();
}
