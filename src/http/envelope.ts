/** Success and error envelopes of the wire contract. */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./context";
import type { AppError } from "./errors";

export const API_VERSION = "2.0" as const;

/** `meta` of a success envelope for this request. */
export function meta(c: Context<AppEnv>) {
  return {
    requestId: c.get("requestId"),
    processingTime: Math.max(0, Date.now() - c.get("startedAt")),
    apiVersion: API_VERSION,
  };
}

/** Sends `{success: true, data, meta, links?}`. */
export function ok<T, S extends ContentfulStatusCode = 200>(c: Context<AppEnv>, data: T, status: S = 200 as S, links?: Record<string, string>) {
  const body: { success: true; data: T; meta: ReturnType<typeof meta>; links?: Record<string, string> } = {
    success: true,
    data,
    meta: meta(c),
  };
  if (links) body.links = links;
  return c.json(body, status);
}

/** The error envelope body for an AppError. */
export function errorBody(error: AppError, requestId: string, now = new Date()) {
  return {
    success: false as const,
    error: error.message,
    code: error.code,
    ...(error.details ? { details: error.details } : {}),
    requestId,
    timestamp: now.toISOString(),
    retryable: error.retryable,
    ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
    meta: { apiVersion: API_VERSION },
  };
}

/** Renders an AppError as a JSON Response with its status and headers. */
export function errorResponse(error: AppError, requestId: string): Response {
  const headers = new Headers({ "Content-Type": "application/json; charset=UTF-8", "X-Request-ID": requestId });
  for (const [k, v] of Object.entries(error.headers ?? {})) headers.set(k, v);
  if (error.retryAfter !== undefined) headers.set("Retry-After", String(error.retryAfter));
  return new Response(JSON.stringify(errorBody(error, requestId)), { status: error.status, headers });
}
