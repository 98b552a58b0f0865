// Types of scripts/wrangler-dev.mjs for TypeScript callers (e2e tests, benchmarks).

/** Options of startWranglerDev. */
export interface StartWranglerDevOptions {
  vars?: Record<string, string>;
  persistTo?: string;
  config?: string;
  adminToken?: string;
  schema?: boolean;
  port?: number;
  logLevel?: string;
  startTimeoutMs?: number;
}

/** A running `wrangler dev`. */
export interface WranglerDev {
  url: string;
  adminToken: string;
  persistTo: string;
  output(): string;
  stop(options?: { keepState?: boolean }): Promise<void>;
  kill(): Promise<void>;
}

export function freePort(): Promise<number>;
export function startWranglerDev(options?: StartWranglerDevOptions): Promise<WranglerDev>;
