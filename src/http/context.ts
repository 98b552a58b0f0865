/** The Hono environment shared by every route and middleware: bindings and per-request variables. */
import type { Config } from "../config";
import type { Principal } from "../auth/principal";

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
