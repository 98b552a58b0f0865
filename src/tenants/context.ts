/** The request's tenant binding: the TenantDb a route hands its repositories, and the acting tenant. */
import type { Context } from "hono";
import type { AppEnv } from "../http/context";
import { DEFAULT_TENANT } from "./model";
import { TenantDb } from "./tenant-db";

/** The database handle of the caller's tenant (spanning every tenant for the admin without X-Tenant-ID). */
export function tenantDb(c: Context<AppEnv>): TenantDb {
  return TenantDb.scoped(c.env.DB, c.get("principal").tenantId);
}

/** The tenant what the caller creates belongs to (its own, or `default` for the unbound admin). */
export function owningTenant(c: Context<AppEnv>): string {
  return c.get("principal").tenantId ?? DEFAULT_TENANT;
}
