/** The ops middleware: after every request, per-isolate stats, metrics (flushed in the background) and one JSON log line. */
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../http/context";
import { flushWhenDue, recordRequest } from "./metrics";
import { fieldMatcher } from "./redact";
import { REQUEST_STATS, tenantRequestStats } from "./request-stats";
import { formatRequestLog, levelFor, shouldLogBody, type RequestLogInput } from "./request-log";

/** The request's execution context, or null where the app runs without one (some tests call app.fetch bare). */
function executionContext(c: Context<AppEnv>): Pick<ExecutionContext, "waitUntil"> | null {
  try {
    return c.executionCtx;
  } catch {
    return null;
  }
}

function emit(input: RequestLogInput, fields: readonly string[]): void {
  const line = formatRequestLog(input, fieldMatcher(fields));
  const level = levelFor(input.status);
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/**
 * Runs after the rest of the chain (errors are already rendered into `c.res`). Nothing here
 * awaits: the metrics batch and a logged body (read from Hono's body cache, never from the
 * stream) go to `ctx.waitUntil`.
 */
export const opsMiddleware: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const config = c.get("config");
  const durationMs = Date.now() - c.get("startedAt");
  const pattern = routePath(c, -1);
  const route = `${c.req.method} ${pattern}`;
  const status = c.res.status;
  const tokenId = c.get("principal")?.tokenId ?? null;
  // The tenant the caller acted in (null: unauthenticated, or the admin spanning every tenant).
  const tenantId = c.get("principal")?.tenantId ?? null;
  const ip = c.req.header("CF-Connecting-IP") ?? null;
  REQUEST_STATS.record(route, status, durationMs);
  if (tenantId !== null) tenantRequestStats(tenantId).record(route, status, durationMs);
  const ctx = executionContext(c);
  if (config.metrics.enabled) recordRequest({ route, status, durationMs, tokenId: tokenId ?? undefined, sourceIp: ip ?? undefined }, tenantId);
  if (ctx) flushWhenDue(c.env, ctx, config);
  if (!config.logs.requests) return;
  const url = new URL(c.req.url);
  const input: RequestLogInput = {
    requestId: c.get("requestId"),
    method: c.req.method,
    route: pattern,
    path: url.pathname,
    search: url.search,
    status,
    durationMs,
    tokenId,
    ip,
    userAgent: c.req.header("User-Agent") ?? null,
    at: Date.now(),
  };
  const body = shouldLogBody(config.logs.bodies, status) ? (c.req.bodyCache as { text?: Promise<string> }).text : undefined;
  if (body && ctx) {
    ctx.waitUntil(body.then((text) => emit({ ...input, body: text }, config.logs.redactFields), () => emit(input, config.logs.redactFields)));
  } else {
    emit(input, config.logs.redactFields);
  }
};
