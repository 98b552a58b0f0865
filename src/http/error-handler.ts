/** Turns anything thrown during a request into the contract's error envelope; never HTML, never a bare 500. */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ConfigError } from "../config";
import type { AppEnv } from "./context";
import { errorResponse } from "./envelope";
import { AppError, type ErrorCode } from "./errors";

const HTTP_STATUS_CODES: Record<number, ErrorCode> = {
  400: "INVALID_JSON",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
  503: "SERVICE_UNAVAILABLE",
};

/** Normalises any thrown value to an AppError (unknown errors become INTERNAL_ERROR). */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof ConfigError) return new AppError("SERVICE_UNAVAILABLE", "Gateway is misconfigured", { cause: error });
  if (error instanceof HTTPException) {
    const code = HTTP_STATUS_CODES[error.status] ?? (error.status >= 500 ? "INTERNAL_ERROR" : "UNPROCESSABLE");
    const message = code === "INVALID_JSON" ? "Request body is not valid JSON" : error.message || code;
    return new AppError(code, message, { cause: error });
  }
  return new AppError("INTERNAL_ERROR", "Internal error", { cause: error });
}

/** Hono `onError` handler: logs server-side failures with the request id and renders the envelope. */
export function handleError(error: unknown, c: Context<AppEnv>): Response {
  const appError = toAppError(error);
  const requestId = c.get("requestId") ?? "req-unknown";
  if (appError.status >= 500) {
    const cause = appError.cause ?? error;
    console.error(
      JSON.stringify({
        level: "error",
        requestId,
        method: c.req.method,
        path: c.req.path,
        code: appError.code,
        error: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause),
        stack: cause instanceof Error ? cause.stack : undefined,
      }),
    );
  }
  return errorResponse(appError, requestId);
}

/** Hono `notFound` handler. */
export function handleNotFound(c: Context<AppEnv>): Response {
  return handleError(new AppError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`), c);
}
