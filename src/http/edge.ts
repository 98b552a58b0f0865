/** Edge middleware built from config: CORS, IP allowlist and body limit (one instance per config). */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { ipRestriction } from "hono/ip-restriction";
import type { Config } from "../config";
import type { AppEnv } from "./context";
import { AppError } from "./errors";

const CORS_METHODS = ["POST", "GET", "PATCH", "PUT", "DELETE", "OPTIONS"];
const CORS_HEADERS = ["Content-Type", "Authorization", "X-API-Key", "Idempotency-Key", "X-Request-ID", "Last-Event-ID"];
const CORS_EXPOSED = ["X-Request-ID", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After", "Idempotent-Replayed"];

interface EdgeMiddleware {
  cors: MiddlewareHandler<AppEnv>;
  ipAllowlist: MiddlewareHandler<AppEnv>;
  bodyLimit: MiddlewareHandler<AppEnv>;
}

const built = new WeakMap<Config, EdgeMiddleware>();

function build(config: Config): EdgeMiddleware {
  const allowList = config.ipAllowlist;
  const restrict = ipRestriction((c) => c.req.header("CF-Connecting-IP") ?? "", { allowList });
  return {
    cors: cors({
      origin: config.corsOrigins.includes("*") ? "*" : config.corsOrigins,
      allowMethods: CORS_METHODS,
      allowHeaders: CORS_HEADERS,
      exposeHeaders: CORS_EXPOSED,
      maxAge: 600,
    }),
    ipAllowlist: async (c, next) => {
      if (allowList.length === 0) return next();
      const address = c.req.header("CF-Connecting-IP");
      if (!address) throw new AppError("IP_NOT_ALLOWED", "Source address unknown");
      // Only the verdict comes from ipRestriction: every refusal (outside the list, or an address it
      // cannot parse, which it throws as a bare 403) becomes IP_NOT_ALLOWED, and downstream errors stay outside.
      let admitted = false;
      try {
        await restrict(c, async () => {
          admitted = true;
        });
      } catch {
        admitted = false;
      }
      if (!admitted) throw new AppError("IP_NOT_ALLOWED", `Source address ${address} is not allowed`);
      return next();
    },
    bodyLimit: bodyLimit({
      maxSize: config.bodyLimitBytes,
      onError: () => {
        throw new AppError("PAYLOAD_TOO_LARGE", `Request body exceeds ${config.bodyLimitBytes} bytes`, { details: { limit: config.bodyLimitBytes } });
      },
    }),
  };
}

/** The edge middleware for a config, built once and reused. */
export function edgeMiddleware(config: Config): EdgeMiddleware {
  let middleware = built.get(config);
  if (!middleware) built.set(config, (middleware = build(config)));
  return middleware;
}
