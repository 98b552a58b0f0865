/** Authentication and scope middleware: admin secret, `ehk_` and `ehp_` (portal) keys (isolate-cached), and optional JWT. */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/context";
import { AppError } from "../http/errors";
import { timingSafeEqual } from "../lib/crypto";
import { extractCredential, looksLikeJwt } from "./credentials";
import { verifyJwtPrincipal } from "./jwt";
import { hasScope, type Principal } from "./principal";
import { actingTenant, TENANT_HEADER } from "../tenants/model";
import { findTenant } from "../tenants/store";
import { TtlCache } from "./token-cache";
import { findTokenByHash, hashKey, touchToken, type TokenRecord } from "./token-repository";

let tokenCache: TtlCache<TokenRecord | null> | null = null;
let adminHash: { token: string; hash: string } | null = null;
const lastTouched = new Map<string, number>();

function cacheFor(ttlMs: number): TtlCache<TokenRecord | null> {
  tokenCache ??= new TtlCache({ ttlMs });
  return tokenCache;
}

/** Drops every cached token lookup in this isolate (after a token is changed or deleted here). */
export function forgetCachedTokens(): void {
  tokenCache?.clear();
}

/** Why a token record cannot authenticate now, or null when it can. */
export function tokenRefusal(record: TokenRecord | null, now: number): string | null {
  if (!record) return "Invalid API token";
  if (!record.active) return "API token is deactivated";
  if (record.expiresAt && Date.parse(record.expiresAt) <= now) return "API token has expired";
  return null;
}

/** True when `keyHash` is the hash of the ADMIN_TOKEN secret (compared in constant time). */
async function isAdminHash(keyHash: string, adminToken: string): Promise<boolean> {
  if (adminHash?.token !== adminToken) adminHash = { token: adminToken, hash: await hashKey(adminToken) };
  return timingSafeEqual(keyHash, adminHash.hash);
}

/**
 * Hooks that protect authentication from guessing (limits/abuse.ts provides them; passed in from
 * the top so auth stays below limits): a check before any lookup that costs I/O, and a hook that
 * counts a failure and may turn the 401 into a 429.
 */
export interface AuthGuard {
  beforeLookup(c: Context<AppEnv>): Promise<void>;
  failed(c: Context<AppEnv>, error: AppError): Promise<AppError>;
}

async function resolvePrincipal(c: Context<AppEnv>, key: string, guard: AuthGuard | null): Promise<Principal> {
  const config = c.get("config");
  const keyHash = await hashKey(key);
  if (await isAdminHash(keyHash, config.adminToken)) {
    return { kind: "admin", tokenId: "admin", name: "admin", type: "admin", scopes: ["*"], rateLimit: null, tenantId: null };
  }
  const cache = cacheFor(config.authCacheTtlMs);
  if (guard && (looksLikeJwt(key) || cache.get(keyHash) === undefined)) await guard.beforeLookup(c);
  if (config.jwt && looksLikeJwt(key)) {
    const principal = await verifyJwtPrincipal(key, config.jwt);
    if (!principal) throw new AppError("UNAUTHORIZED", "Invalid or expired JWT");
    return principal;
  }
  let record = cache.get(keyHash);
  if (record === undefined) {
    record = await findTokenByHash(c.env.DB, keyHash);
    cache.set(keyHash, record);
  }
  const now = Date.now();
  const refusal = tokenRefusal(record, now);
  if (refusal || !record) throw new AppError("UNAUTHORIZED", refusal ?? "Invalid API token");
  if ((lastTouched.get(record.id) ?? 0) < now - 60_000) {
    lastTouched.set(record.id, now);
    c.executionCtx.waitUntil(touchToken(c.env.DB, record.id, now).catch(() => undefined));
  }
  const principal: Principal = { kind: "token", tokenId: record.id, name: record.name, type: record.type, scopes: record.endpoints, rateLimit: record.rateLimit, tenantId: record.tenantId };
  if (record.readOnly) principal.readOnly = true;
  return principal;
}

/**
 * Binds the principal to the tenant it acts in: X-Tenant-ID lets the admin act inside one
 * (existing) tenant; a tenant's token may only name its own (403 otherwise). A read-only portal
 * token may only read.
 */
async function bindTenant(c: Context<AppEnv>, principal: Principal): Promise<Principal> {
  if (principal.readOnly && c.req.method !== "GET" && c.req.method !== "HEAD") {
    throw new AppError("FORBIDDEN", "This portal token is read-only: it may only read (GET)");
  }
  const named = c.req.header(TENANT_HEADER) ?? null;
  const acting = actingTenant(principal.tenantId, named === null ? null : named.trim());
  if ("refusal" in acting) {
    if (acting.refusal === "foreign") throw new AppError("FORBIDDEN", `This token belongs to tenant "${principal.tenantId}" and cannot act in another`, { details: { header: TENANT_HEADER } });
    throw new AppError("SCHEMA_VALIDATION_ERROR", `${TENANT_HEADER} must be 1-64 chars of [a-z0-9][a-z0-9_-]*`, { details: { field: TENANT_HEADER, reason: "malformed tenant id" } });
  }
  if (acting.tenantId !== null && principal.tenantId === null && !(await findTenant(c.env.DB, acting.tenantId))) {
    throw new AppError("NOT_FOUND", `Tenant "${acting.tenantId}" not found`);
  }
  return acting.tenantId === principal.tenantId ? principal : { ...principal, tenantId: acting.tenantId };
}

/**
 * Middleware that requires a valid credential and sets `principal`; 401 UNAUTHORIZED otherwise.
 * With a `guard`, failures are counted and lookups refused for a client over its failure limit.
 */
export function authenticateWith(guard: AuthGuard | null): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let principal: Principal;
    try {
      const credential = extractCredential(c.req.raw.headers, new URL(c.req.url));
      if (!credential) {
        throw new AppError("UNAUTHORIZED", "Missing credentials: send Authorization: Bearer <token>, X-API-Key, or ?api_key=", {
          headers: { "WWW-Authenticate": 'Bearer realm="edgehook"' },
        });
      }
      if ("malformed" in credential) {
        throw new AppError("UNAUTHORIZED", "Malformed Authorization header: send Authorization: Bearer <token>", {
          headers: { "WWW-Authenticate": 'Bearer realm="edgehook", error="invalid_request"' },
        });
      }
      principal = await bindTenant(c, await resolvePrincipal(c, credential.value, guard));
    } catch (error) {
      if (guard && error instanceof AppError && error.code === "UNAUTHORIZED") throw await guard.failed(c, error);
      throw error;
    }
    c.set("principal", principal);
    await next();
  };
}

/** authenticateWith without a failure guard (the guarded one is `authenticate` in src/guard.ts). */
export const authenticate: MiddlewareHandler<AppEnv> = authenticateWith(null);

/** Requires the authenticated principal to hold `scope`; 403 FORBIDDEN otherwise. */
export function requireScope(scope: string): MiddlewareHandler<AppEnv> {
  const check: MiddlewareHandler<AppEnv> = async (c, next) => {
    const principal = c.get("principal");
    if (!hasScope(principal, scope)) {
      throw new AppError("FORBIDDEN", `Token lacks the "${scope}" scope`, { details: { required: scope, granted: principal.scopes } });
    }
    await next();
  };
  SCOPE_CHECKS.set(check, scope);
  return check;
}

const SCOPE_CHECKS = new WeakMap<Function, string>();

/** The scope a middleware requires, when it is a requireScope check (the OpenAPI document reads it). */
export function requiredScopeOf(handler: Function): string | undefined {
  return SCOPE_CHECKS.get(handler);
}
