/** TenantDb: the tenant-bound database handle every repository takes; SQL on a tenant's tables must say how it is scoped. */
import { DEFAULT_TENANT, isTenantId, TENANT_OWNED_TABLES } from "./model";

/** `$tenant(<column>)`: a filter on the bound tenant (true for every row when the handle spans all). */
const FILTER_MARKER = /\$tenant\(([a-z_]+(?:\.[a-z_]+)?)\)/g;
/** `$tenant`: the tenant new rows go to, as an SQL string literal. */
const OWNER_MARKER = /\$tenant\b/g;
const OWNED_TABLE = new RegExp(`\\b(?:FROM|JOIN|INTO|UPDATE)\\s+(${TENANT_OWNED_TABLES.join("|")})\\b`, "i");

/** Thrown when code prepares SQL on a tenant-owned table without a tenant marker (a bug, never input). */
export class TenantScopeError extends Error {
  constructor(sql: string) {
    super(`SQL on a tenant-owned table without $tenant or $tenant(<column>): ${sql.replace(/\s+/g, " ").slice(0, 200)}`);
    this.name = "TenantScopeError";
  }
}

/**
 * A database handle bound to one tenant, or spanning every tenant (the admin without X-Tenant-ID,
 * system jobs such as the queue consumer, sweep and retention). `prepare` expands the markers:
 * `$tenant(t.tenant_id)` becomes `t.tenant_id = '<tenant>'` (or `1 = 1` when spanning), `$tenant`
 * becomes the owning tenant literal for inserts (`default` when spanning). SQL that names a
 * tenant-owned table without either marker is refused, so a query cannot forget its tenant.
 */
export class TenantDb {
  private constructor(
    /** The underlying binding; only tenants/ and allow-listed system modules use it directly. */
    readonly raw: D1Database,
    /** The bound tenant, or null when the handle spans every tenant. */
    readonly tenantId: string | null,
  ) {}

  /** A handle bound to `tenantId`. */
  static of(db: D1Database, tenantId: string): TenantDb {
    if (!isTenantId(tenantId)) throw new Error(`not a tenant id: ${JSON.stringify(tenantId)}`);
    return new TenantDb(db, tenantId);
  }

  /** A handle spanning every tenant (writes go to `default` unless the SQL names a tenant). */
  static all(db: D1Database): TenantDb {
    return new TenantDb(db, null);
  }

  /** A handle bound to `tenantId`, or spanning every tenant when it is null. */
  static scoped(db: D1Database, tenantId: string | null): TenantDb {
    return tenantId === null ? TenantDb.all(db) : TenantDb.of(db, tenantId);
  }

  /** The tenant rows created through this handle belong to. */
  get owner(): string {
    return this.tenantId ?? DEFAULT_TENANT;
  }

  /** True when this handle may see rows of `tenantId`. */
  sees(tenantId: string): boolean {
    return this.tenantId === null || this.tenantId === tenantId;
  }

  /** The SQL with its markers expanded; throws TenantScopeError when a tenant-owned table is unscoped. */
  expand(sql: string): string {
    if (!sql.includes("$tenant")) {
      if (OWNED_TABLE.test(sql)) throw new TenantScopeError(sql);
      return sql;
    }
    const literal = `'${this.owner}'`;
    return sql
      .replace(FILTER_MARKER, (_, column: string) => (this.tenantId === null ? "1 = 1" : `${column} = ${literal}`))
      .replace(OWNER_MARKER, literal);
  }

  /** A prepared statement of the expanded SQL. */
  prepare(sql: string): D1PreparedStatement {
    return this.raw.prepare(this.expand(sql));
  }

  /** Runs statements in one D1 batch (one transaction). */
  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    return this.raw.batch<T>(statements);
  }
}
