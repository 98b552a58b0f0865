/** The inbound guard: authentication, scope, rate limits with idempotency, then the JSON body gate — the middleware every protected route runs. */
import type { MiddlewareHandler } from "hono";
import { authenticateWith, requireScope } from "./auth/middleware";
import type { AppEnv } from "./http/context";
import { jsonBodyGate } from "./http/json-body";
import { authFailureGuard } from "./limits/abuse";
import { limitsAndIdempotency } from "./limits/middleware";

/**
 * Authentication with the failed-authentication guard: after AUTH_FAILURES_PER_MINUTE failures from
 * one IP, its further attempts get 429 before any token lookup.
 */
export const authenticate: MiddlewareHandler<AppEnv> = authenticateWith(authFailureGuard);

/** Options for protect. */
export interface ProtectOptions {
  /** The rate-limit endpoint name (`task`, `notify`, ...); defaults to the scope. */
  endpoint?: string;
  /** Accept application/x-www-form-urlencoded bodies too (the inbound actions: IFTTT, n8n). */
  form?: boolean;
}

/**
 * Middleware for a route that needs `scope`, in hot-path order: authenticate → scope → rate limits
 * and idempotency (one parallel Durable Object round trip; see docs/RATE-LIMITS.md) → JSON body gate
 * (415 / INVALID_JSON; forms where allowed) → the route's own schema validation.
 */
export function protect(scope: string, options: ProtectOptions = {}): MiddlewareHandler<AppEnv>[] {
  return [authenticate, requireScope(scope), limitsAndIdempotency(options.endpoint ?? scope), jsonBodyGate({ form: options.form })];
}
