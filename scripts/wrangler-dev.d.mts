// Types for scripts/wrangler-dev.mjs, used by the e2e tests (TypeScript) and bench/ (plain ESM).

/** Options for startWranglerDev. */
export interface WranglerDevOptions {
  /** Extra Worker vars (`--var NAME:value`), e.g. small limits for one test file. */
  vars?: Record<string, string>;
  /** Reuse a state directory (kept on stop). */
  persistTo?: string;
  /** wrangler config path (default: the gateway's wrangler.toml). */
  config?: string;
  adminToken?: string;
  /** false skips applying schema.sql (e.g. the bench baseline, which has no D1). */
  schema?: boolean;
  port?: number;
  logLevel?: string;
  startTimeoutMs?: number;
  /** Polled until it answers 200 or 503 (default `/webhooks/v2/health`). */
  readyPath?: string;
  /** Headers sent with the readiness poll (e.g. an allowed CF-Connecting-IP). */
  readyHeaders?: Record<string, string>;
}

/** A running `wrangler dev`. */
export interface WranglerDev {
  url: string;
  adminToken: string;
  persistTo: string;
  /** Process group id of wrangler and its workerd children. */
  pid: number;
  output(): string;
  stop(options?: { keepState?: boolean }): Promise<void>;
  kill(): Promise<void>;
}

export function freePort(): Promise<number>;
export function startWranglerDev(options?: WranglerDevOptions): Promise<WranglerDev>;
