/** The structured request log line (pure): what one request looks like in the logs, with secrets redacted. */
import { iso } from "../lib/time";
import { redact, redactQuery, type FieldMatcher } from "./redact";

/** Longest body (serialised, after redaction) a log line carries; longer ones are summarised by size. */
export const MAX_LOGGED_BODY_CHARS = 4096;
const MAX_USER_AGENT_CHARS = 200;

/** Which request bodies are logged. */
export type BodyLogMode = "none" | "errors" | "all";

/** One finished request. */
export interface RequestLogInput {
  requestId: string;
  method: string;
  /** The matched route pattern (e.g. `/webhooks/v2/tokens/:id`). */
  route: string;
  /** The path as requested, without the query string. */
  path: string;
  /** The raw query string (`?a=b` or empty). */
  search: string;
  status: number;
  durationMs: number;
  /** The authenticated principal's token id (never a key), or null before/without authentication. */
  tokenId: string | null;
  ip: string | null;
  userAgent: string | null;
  /** The request body as text, when it was read and is to be logged. */
  body?: string;
  /** When the request finished (epoch ms). */
  at: number;
}

/** The log level for a status: error for 5xx, warn for 4xx, info otherwise. */
export function levelFor(status: number): "info" | "warn" | "error" {
  return status >= 500 ? "error" : status >= 400 ? "warn" : "info";
}

/** Whether a request's body belongs in its log line. */
export function shouldLogBody(mode: BodyLogMode, status: number): boolean {
  return mode === "all" || (mode === "errors" && status >= 400);
}

/** The body as a log value: parsed JSON with sensitive fields hidden, or a size note for anything else. */
export function loggedBody(text: string, isSensitive: FieldMatcher): unknown {
  if (text === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `[non-JSON body, ${text.length} chars]`;
  }
  const value = redact(parsed, isSensitive);
  const serialised = JSON.stringify(value);
  return serialised.length > MAX_LOGGED_BODY_CHARS ? `[JSON body, ${serialised.length} chars]` : value;
}

/** The structured record of one request. */
export function requestLogRecord(input: RequestLogInput, isSensitive: FieldMatcher): Record<string, unknown> {
  const record: Record<string, unknown> = {
    level: levelFor(input.status),
    msg: "request",
    time: iso(input.at),
    requestId: input.requestId,
    method: input.method,
    route: input.route,
    path: input.path,
    status: input.status,
    durationMs: input.durationMs,
    tokenId: input.tokenId,
    ip: input.ip,
  };
  const query = redactQuery(input.search, isSensitive);
  if (query) record.query = query;
  if (input.userAgent) record.userAgent = input.userAgent.slice(0, MAX_USER_AGENT_CHARS);
  if (input.body !== undefined) {
    const body = loggedBody(input.body, isSensitive);
    if (body !== undefined) record.body = body;
  }
  return record;
}

/** The JSON line for one request. */
export function formatRequestLog(input: RequestLogInput, isSensitive: FieldMatcher): string {
  return JSON.stringify(requestLogRecord(input, isSensitive));
}
