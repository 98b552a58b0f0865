/** D1 statements for subscriptions: rows ⇄ views, insert, targeted updates (only changed columns), list, delete, matchers. */
import { iso, isoOrNull } from "../../lib/time";
import type { FilterGroup } from "../core/match";
import type { BatchConfig, OrderingConfig } from "../core/modes";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "../core/retry-policy";
import { maskedHeaders } from "../core/sealed-headers";
import { renderUrl } from "../template";
import type { HealthCheck } from "../core/endpoint-checks";
import { TenantDb } from "../../tenants/tenant-db";

/** Subscription lifecycle: active delivers; paused (by hand) and disabled (by health) hold deliveries. */
export type SubscriptionStatus = "active" | "paused" | "disabled";

/** Outbound authentication kinds. */
export const AUTH_TYPES = ["none", "basic", "bearer", "api-key", "hmac"] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/** The non-secret part of a subscription's outbound auth, as the API shows it. */
export interface AuthInfo {
  type: AuthType;
  username?: string;
  header?: string;
  algorithm?: "sha256" | "sha512";
  encoding?: "hex" | "base64";
}

/** Outbound credentials, stored sealed. */
export interface AuthSecret {
  password?: string;
  token?: string;
  key?: string;
  secret?: string;
}

/** A subscription as stored (secrets still sealed). */
export interface SubscriptionRow {
  id: string;
  tenant_id: string;
  name: string | null;
  description: string | null;
  url: string;
  events: string;
  method: string;
  headers: string | null;
  auth_info: string | null;
  auth_enc: string | null;
  filters: string | null;
  template: string | null;
  retry_policy: string;
  timeout_ms: number;
  rate_limit: number | null;
  status: SubscriptionStatus;
  disabled_reason: string | null;
  consecutive_failures: number;
  secret_enc: string;
  previous_secret_enc: string | null;
  previous_secret_expires_at: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  status_changed_at: number | null;
  last_attempt_at: number | null;
  last_success_at: number | null;
  /** http | queue (see destinations/registry). */
  destination_type: string;
  /** JSON config of non-http destinations (http keeps url, method, headers, auth_info). */
  destination_config: string | null;
  /** An integration's secret params, sealed per name (`{name: sealed}`, see sealed-headers). */
  params_enc: string | null;
  /** The url with secret params as `{{params.x}}`, rendered at send time; null: `url` is sent. `url` is then the masked one shown. */
  url_template: string | null;
  /** JSON BatchConfig, or null (one request per event). */
  batch: string | null;
  /** JSON OrderingConfig, or null (no order kept). */
  ordering: string | null;
  /** 1: deliver nothing until verified_at is set (POST .../verify). */
  require_verification: number;
  verified_at: number | null;
  /** JSON HealthCheck of the last probe (GET .../health), or null. */
  last_probe: string | null;
  signing_scheme: SigningScheme;
  /** The sealed `whsk_` Ed25519 key, once the subscription has one. */
  signing_key_enc: string | null;
  signing_public_key: string | null;
  /** Until then (epoch ms) both schemes sign: a switch in progress. */
  signing_overlap_until: number | null;
}

/** How deliveries are signed: HMAC (`v1`, X-Webhook-Signature) or Ed25519 (`v1a`). */
export const SIGNING_SCHEMES = ["hmac", "ed25519"] as const;
export type SigningScheme = (typeof SIGNING_SCHEMES)[number];


/** SQL over `subscriptions` (no alias) true when its deliveries may be attempted: active, and verified when it must be. */
export const DELIVERABLE_SQL = "status = 'active' AND (require_verification = 0 OR verified_at IS NOT NULL)";

/** A destination as the API shows it: `{type: "http", url, method, headers, auth}` or `{type: "queue", queue}`. */
export type DestinationView = { type: string } & Record<string, unknown>;

/** A subscription as the API shows it (no secrets). http ones keep the top-level url, method, headers, auth. */
export interface SubscriptionView {
  id: string;
  /** The tenant the subscription belongs to. */
  tenantId: string;
  name: string | null;
  description: string | null;
  destination: DestinationView;
  url?: string;
  events: string[];
  method?: string;
  headers?: Record<string, string>;
  auth?: AuthInfo;
  /** An integration's secret params, by name, masked (write-only). */
  params?: Record<string, string>;
  filters: FilterGroup | null;
  template: unknown;
  retryPolicy: RetryPolicy;
  timeoutMs: number;
  rateLimit: number | null;
  active: boolean;
  status: SubscriptionStatus;
  disabledReason: string | null;
  consecutiveFailures: number;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  batch: BatchConfig | null;
  ordering: OrderingConfig | null;
  requireVerification: boolean;
  verified: boolean;
  verifiedAt: string | null;
  lastHealthCheck: HealthCheck | null;
  signing: { scheme: SigningScheme; publicKey?: string };
}

const json = <T>(text: string | null, fallback: T): T => (text === null ? fallback : (JSON.parse(text) as T));

/**
 * The destination config of a row: http from its columns, other types from destination_config.
 * `headers` are the http headers to put in it: opened ones (openHeaders) to send, masked ones to show.
 * `params` (opened secret params, to send) fill the url template; without them the shown url stays.
 */
export function destinationConfigOf(row: SubscriptionRow, headers: Record<string, string>, params?: Record<string, string>): DestinationView {
  if (row.destination_type !== "http") return { ...json<Record<string, unknown>>(row.destination_config, {}), type: row.destination_type };
  const url = params && row.url_template !== null ? renderUrl(row.url_template, params) : row.url;
  return { type: "http", url, method: row.method, headers, auth: json<AuthInfo>(row.auth_info, { type: "none" }) };
}

/** The API view of a row. */
export function toView(row: SubscriptionRow, now = Date.now()): SubscriptionView {
  const inGrace = row.previous_secret_enc !== null && (row.previous_secret_expires_at ?? 0) > now;
  const destination = destinationConfigOf(row, maskedHeaders(row.headers));
  const { type: _type, ...http } = destination.type === "http" ? destination : { type: "" };
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    description: row.description,
    destination,
    ...http,
    ...(row.params_enc !== null ? { params: maskedHeaders(row.params_enc) } : {}),
    events: json<string[]>(row.events, []),
    filters: json<FilterGroup | null>(row.filters, null),
    template: json<unknown>(row.template, null),
    retryPolicy: retryPolicyOf(row),
    timeoutMs: row.timeout_ms,
    rateLimit: row.rate_limit,
    active: row.status === "active",
    status: row.status,
    disabledReason: row.disabled_reason,
    consecutiveFailures: row.consecutive_failures,
    previousSecretExpiresAt: inGrace ? isoOrNull(row.previous_secret_expires_at) : null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    lastAttemptAt: isoOrNull(row.last_attempt_at),
    lastSuccessAt: isoOrNull(row.last_success_at),
    batch: batchOf(row),
    ordering: json<OrderingConfig | null>(row.ordering, null),
    requireVerification: row.require_verification === 1,
    verified: row.verified_at !== null,
    verifiedAt: isoOrNull(row.verified_at),
    lastHealthCheck: json<HealthCheck | null>(row.last_probe, null),
    signing: { scheme: row.signing_scheme, ...(row.signing_public_key ? { publicKey: row.signing_public_key } : {}) },
  };
}

/** A handle bound to the tenant of a subscription row already found in the caller's scope: what use cases write it through. */
export function rowDb(db: D1Database, row: Pick<SubscriptionRow, "tenant_id">): TenantDb {
  return TenantDb.of(db, row.tenant_id);
}

/** The batch setting of a row, or null. */
export function batchOf(row: Pick<SubscriptionRow, "batch">): BatchConfig | null {
  return json<BatchConfig | null>(row.batch, null);
}

/** The retry policy of a row (defaults filled in). */
export function retryPolicyOf(row: Pick<SubscriptionRow, "retry_policy">): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...json<Partial<RetryPolicy>>(row.retry_policy, {}) };
}

const COLUMNS = [
  "id", "tenant_id", "name", "description", "url", "events", "method", "headers", "auth_info", "auth_enc", "filters", "template",
  "retry_policy", "timeout_ms", "rate_limit", "status", "disabled_reason", "consecutive_failures", "secret_enc",
  "previous_secret_enc", "previous_secret_expires_at", "created_by", "created_at", "updated_at", "status_changed_at",
  "last_attempt_at", "last_success_at", "destination_type", "destination_config", "params_enc", "url_template", "batch",
  "ordering",
  "require_verification", "verified_at", "last_probe", "signing_scheme", "signing_key_enc", "signing_public_key", "signing_overlap_until",
] as const satisfies readonly (keyof SubscriptionRow)[];

/** The INSERT of a full row (to batch with related writes); the row goes to the handle's owning tenant. */
export function insertSubscriptionStatement(db: TenantDb, row: SubscriptionRow): D1PreparedStatement {
  const values = COLUMNS.map((c) => (c === "tenant_id" ? "$tenant" : "?"));
  return db.prepare(`INSERT INTO subscriptions (${COLUMNS.join(", ")}) VALUES (${values.join(", ")})`).bind(...COLUMNS.filter((c) => c !== "tenant_id").map((c) => row[c]));
}

/** Inserts a full row (in the handle's owning tenant). */
export async function insertSubscription(db: TenantDb, row: SubscriptionRow): Promise<void> {
  await insertSubscriptionStatement(db, row).run();
}

/** Columns a configuration change may write (never status, health or the signing secret). */
export type SubscriptionChanges = Partial<Omit<SubscriptionRow, "id" | "created_at" | "created_by" | "status" | "disabled_reason" | "consecutive_failures" | "status_changed_at" | "last_attempt_at" | "last_success_at">>;

/**
 * Writes only the given columns (plus updated_at) and returns the row as it now is, or null when
 * it no longer exists. Nothing read earlier is written back, so a status the consumer set
 * meanwhile (an auto-disable) survives a concurrent PATCH.
 */
export async function updateSubscription(db: TenantDb, id: string, changes: SubscriptionChanges, now: number): Promise<SubscriptionRow | null> {
  const columns = (Object.keys(changes) as (keyof SubscriptionChanges)[]).filter((c) => c !== "updated_at" && c !== "tenant_id" && (COLUMNS as readonly string[]).includes(c));
  const sets = [...columns.map((c) => `${c} = ?`), "updated_at = ?"];
  return db
    .prepare(`UPDATE subscriptions SET ${sets.join(", ")} WHERE id = ? AND $tenant(tenant_id) RETURNING *`)
    .bind(...columns.map((c) => changes[c] ?? null), now, id)
    .first<SubscriptionRow>();
}

/**
 * Rotates the signing secret in one statement: the stored secret becomes the previous one (when
 * there is a grace period) — read inside the UPDATE, so two rotations never lose a secret.
 */
export function rotateSecret(db: TenantDb, id: string, sealed: string, graceUntil: number | null, now: number): Promise<SubscriptionRow | null> {
  return db
    .prepare(
      `UPDATE subscriptions SET previous_secret_enc = CASE WHEN ?1 IS NULL THEN NULL ELSE secret_enc END, previous_secret_expires_at = ?1,
          secret_enc = ?2, updated_at = ?3 WHERE id = ?4 AND $tenant(tenant_id) RETURNING *`,
    )
    .bind(graceUntil, sealed, now, id)
    .first<SubscriptionRow>();
}

/** One row by id, or null (also when it belongs to a tenant the handle does not see). */
export function getSubscriptionRow(db: TenantDb, id: string): Promise<SubscriptionRow | null> {
  return db.prepare("SELECT * FROM subscriptions WHERE id = ? AND $tenant(tenant_id)").bind(id).first<SubscriptionRow>();
}

/** Options of listSubscriptions. */
export interface ListSubscriptionsOptions {
  limit: number;
  cursor?: string;
  status?: "active" | "inactive";
  /** Only subscriptions whose patterns receive this event type. */
  event?: string;
}

/**
 * A page of subscriptions, oldest first, after the cursor (a subscription id). The event filter
 * mirrors matchesPattern in SQL: equal, `*`, or a `prefix.*` whose prefix starts the type.
 */
export async function listSubscriptions(db: TenantDb, options: ListSubscriptionsOptions): Promise<{ items: SubscriptionRow[]; nextCursor: string | null }> {
  const where: string[] = ["$tenant(tenant_id)"];
  const values: unknown[] = [];
  if (options.cursor) {
    where.push("(created_at, id) > (SELECT created_at, id FROM subscriptions WHERE id = ? AND $tenant(tenant_id))");
    values.push(options.cursor);
  }
  if (options.status) where.push(options.status === "active" ? "status = 'active'" : "status != 'active'");
  if (options.event) {
    where.push(
      `EXISTS (SELECT 1 FROM json_each(subscriptions.events) p WHERE p.value = ? OR p.value = '*'
        OR (substr(p.value, -2) = '.*' AND substr(?, 1, length(p.value) - 1) = substr(p.value, 1, length(p.value) - 1)))`,
    );
    values.push(options.event, options.event);
  }
  const sql = `SELECT * FROM subscriptions WHERE ${where.join(" AND ")} ORDER BY created_at, id LIMIT ?`;
  const rows = await db
    .prepare(sql)
    .bind(...values, options.limit + 1)
    .all<SubscriptionRow>();
  const items = rows.results.slice(0, options.limit);
  return { items, nextCursor: rows.results.length > options.limit ? items[items.length - 1]!.id : null };
}

/**
 * Deletes a subscription with its deliveries, attempts and the channel it backs (one batch); false
 * when it did not exist in a tenant the handle sees (then nothing is deleted).
 */
export async function deleteSubscription(db: TenantDb, id: string): Promise<boolean> {
  const mine = "(SELECT id FROM subscriptions WHERE id = ?1 AND $tenant(tenant_id))";
  const [, , , gone] = await db.batch([
    db.prepare(`DELETE FROM attempts WHERE subscription_id IN ${mine} AND $tenant(tenant_id)`).bind(id),
    db.prepare(`DELETE FROM deliveries WHERE subscription_id IN ${mine} AND $tenant(tenant_id)`).bind(id),
    db.prepare(`DELETE FROM channels WHERE subscription_id IN ${mine} AND $tenant(tenant_id)`).bind(id),
    db.prepare("DELETE FROM subscriptions WHERE id = ?1 AND $tenant(tenant_id)").bind(id),
  ]);
  return (gone?.meta.changes ?? 0) > 0;
}

/** The statement that changes a subscription's status (and resets failures when it becomes active). */
export function setStatusStatement(db: TenantDb, id: string, status: SubscriptionStatus, reason: string | null, now: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE subscriptions SET status = ?, disabled_reason = ?, status_changed_at = ?, updated_at = ?,
        consecutive_failures = CASE WHEN ? = 'active' THEN 0 ELSE consecutive_failures END WHERE id = ? AND $tenant(tenant_id)`,
    )
    .bind(status, reason, now, now, status, id);
}

/** What publish needs to match events to subscriptions. */
export interface SubscriptionMatcher {
  id: string;
  /** The subscription's tenant: it is matched only with that tenant's events. */
  tenantId: string;
  events: string[];
  filters: FilterGroup | null;
  active: boolean;
  /**
   * false: never attempted by the publishing request (a delivery mode, e.g. batching or
   * per-key ordering, decides when its deliveries go); absent or true: the fast path may take it.
   */
  fastPath?: boolean;
  /** The FIFO setting, whose key the outbox writes on each row. */
  ordering?: OrderingConfig | null;
}

/** Marks a subscription verified now; returns the row, or null when it no longer exists. */
export function markVerified(db: TenantDb, id: string, now: number): Promise<SubscriptionRow | null> {
  return db.prepare("UPDATE subscriptions SET verified_at = ?1, updated_at = ?1 WHERE id = ?2 AND $tenant(tenant_id) RETURNING *").bind(now, id).first<SubscriptionRow>();
}

/** Keeps the last health probe on the subscription. */
export async function saveProbe(db: TenantDb, id: string, check: HealthCheck): Promise<void> {
  await db.prepare("UPDATE subscriptions SET last_probe = ? WHERE id = ? AND $tenant(tenant_id)").bind(JSON.stringify(check), id).run();
}

/** Every subscription's matching fields, of every tenant (the isolate cache's source; publish pairs each event with its tenant's). */
export async function loadMatchers(db: D1Database): Promise<SubscriptionMatcher[]> {
  const rows = await db
    .prepare("SELECT id, tenant_id, events, filters, status, ordering FROM subscriptions")
    .all<Pick<SubscriptionRow, "id" | "events" | "filters" | "status" | "ordering"> & { tenant_id: string }>();
  return rows.results.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    events: json<string[]>(r.events, []),
    filters: json<FilterGroup | null>(r.filters, null),
    active: r.status === "active",
    ordering: json<OrderingConfig | null>(r.ordering, null),
  }));
}
