/** The contract's error codes, their HTTP statuses, and AppError, the one way code signals a client-visible failure. */
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Every error code of the wire contract with its status and whether a retry can succeed. */
export const ERROR_CODES = {
  INVALID_JSON: { status: 400, retryable: false },
  SCHEMA_VALIDATION_ERROR: { status: 400, retryable: false },
  UNAUTHORIZED: { status: 401, retryable: false },
  SIGNATURE_INVALID: { status: 401, retryable: false },
  FORBIDDEN: { status: 403, retryable: false },
  IP_NOT_ALLOWED: { status: 403, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  METHOD_NOT_ALLOWED: { status: 405, retryable: false },
  IDEMPOTENCY_CONFLICT: { status: 409, retryable: false },
  CONFLICT: { status: 409, retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false },
  UNPROCESSABLE: { status: 422, retryable: false },
  RATE_LIMITED: { status: 429, retryable: true },
  INTERNAL_ERROR: { status: 500, retryable: true },
  SERVICE_UNAVAILABLE: { status: 503, retryable: true },
} as const satisfies Record<string, { status: ContentfulStatusCode; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Options for AppError beyond its code and message. */
export interface AppErrorOptions {
  details?: Record<string, unknown>;
  /** Seconds until a retry may succeed; sets `Retry-After` and `retryAfter`. */
  retryAfter?: number;
  headers?: Record<string, string>;
  cause?: unknown;
}

/** A failure with a contract error code; the error handler renders it as the error envelope. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: ContentfulStatusCode;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;
  readonly retryAfter?: number;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.retryable = ERROR_CODES[code].retryable;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
    this.headers = options.headers;
  }
}
