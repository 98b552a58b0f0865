// Types of scripts/wrangler-dev.mjs for TypeScript callers (e2e tests, benchmarks).

/** Options of startWranglerDev. */
export interface StartWranglerDevOptions {
  vars?: Record<string, string>;
  persistTo?: string;
  config?: string;
  adminToken?: string;
  /** false: leave the local D1 as it is (default: apply every pending migration). */
  schema?: boolean;
  /** A SQL file applied to the local D1 instead of the migrations (e.g. a baseline Worker's schema). */
  schemaFile?: string;
  port?: number;
  logLevel?: string;
  startTimeoutMs?: number;
  /** Extra `wrangler dev` arguments, e.g. ["--test-scheduled"]. */
  extraArgs?: string[];
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
  output(): string;
  stop(options?: { keepState?: boolean }): Promise<void>;
  kill(): Promise<void>;
  /** The process id of the `wrangler dev` process group leader. */
  pid: number;
}

export function freePort(): Promise<number>;
export function startWranglerDev(options?: StartWranglerDevOptions): Promise<WranglerDev>;
/** Runs `wrangler d1 migrations apply DB --local` against a state directory (config: the wrangler config). */
export function applyMigrations(persistTo: string, options?: { config?: string }): string;
/** Runs `wrangler d1 execute DB --local` against a state directory; returns parsed JSON output when `json`. */
export function executeD1(persistTo: string, options: { file?: string; command?: string; json?: boolean; config?: string }): any;
