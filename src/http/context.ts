/** The Hono environment shared by every route and middleware: bindings and per-request variables. */
import type { Config } from "../config";

/** The authenticated caller. */
export interface Principal {
  /** How the caller proved itself. */
  kind: "admin" | "token" | "jwt";
  /** Stable id used for rate limits, idempotency scope and audit (`admin` for the secret). */
  tokenId: string;
  name: string;
  type: string;
  scopes: string[];
  /** Requests per hour for this caller, or null for the configured default. */
  rateLimit: number | null;
  /**
   * The tenant the caller acts in: its token's tenant, or for the admin the tenant it names with
   * X-Tenant-ID (null without it: the admin spans every tenant and creates in `default`).
   */
  tenantId: string | null;
  /** A read-only portal token: GET and HEAD only. */
  readOnly?: boolean;
}

/** Per-request values set by middleware. */
export interface RequestVariables {
  requestId: string;
  startedAt: number;
  config: Config;
  principal: Principal;
  /** Rate-limit headers to attach to the response (set by the limiter). */
  rateLimitHeaders?: Record<string, string>;
}

export interface AppEnv {
  Bindings: Env;
  Variables: RequestVariables;
}
