/** The tenant model (pure): ids, the default tenant, and which tables hold tenant-owned rows. */

/** The tenant that always exists; rows from before tenants existed belong to it. */
export const DEFAULT_TENANT = "default";

/** A tenant id: 1–64 chars of `[a-z0-9][a-z0-9_-]*`. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The header through which the admin token acts inside one tenant. */
export const TENANT_HEADER = "X-Tenant-ID";

/** Tables whose rows belong to a tenant (each has a `tenant_id` column). */
export const TENANT_OWNED_TABLES = [
  "tokens",
  "tasks",
  "task_queue",
  "notifications",
  "research",
  "events",
  "sources",
  "source_deliveries",
  "tenant_sources",
  "audit",
  "subscriptions",
  "deliveries",
  "attempts",
  "channels",
  "rules",
  "runs",
  "run_waits",
  "inspectors",
  "inspector_requests",
] as const;

/** True when `id` is a well-formed tenant id. */
export function isTenantId(id: string): boolean {
  return TENANT_ID_PATTERN.test(id);
}

/** A tenant as the API shows it. */
export interface Tenant {
  id: string;
  name: string;
  /** Requests per hour for all the tenant's tokens together, or null for no tenant-wide limit. */
  rateLimit: number | null;
  metadata: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * Which tenant a caller acts in, from its own tenant (null: the admin, bound to none) and the
 * tenant it names with X-Tenant-ID (null when absent). The admin may name any tenant; a tenant's
 * caller may only name its own. Returns the acting tenant (null: every tenant) or a refusal.
 */
export function actingTenant(own: string | null, named: string | null): { tenantId: string | null } | { refusal: "malformed" | "foreign" } {
  if (named === null) return { tenantId: own };
  if (!isTenantId(named)) return { refusal: "malformed" };
  if (own !== null && named !== own) return { refusal: "foreign" };
  return { tenantId: named };
}
