/** JSON body gate: requires a JSON (or, where a route allows it, form) content type and parses the body once per request, mapping failures to 415 / 400. */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { MAX_JSON_DEPTH, jsonTooDeep } from "../lib/json-depth";
import { AppError } from "./errors";
import { formToObject, isFormContentType } from "./form";

const METHODS_WITH_BODY = new Set(["POST", "PUT", "PATCH"]);

/** True for `application/json` and `application/*+json`, with any parameters. */
export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const type = value.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/** What a request body turned out to be, read and parsed at most once per request. */
export type JsonRead =
  | { kind: "empty" }
  | { kind: "json"; value: unknown }
  | { kind: "form"; value: Record<string, unknown> }
  | { kind: "not-json"; contentType: string | null }
  | { kind: "malformed"; reason: string }
  | { kind: "too-deep" };

const reads = new WeakMap<Request, Promise<JsonRead>>();

async function read(c: Context<AppEnv>): Promise<JsonRead> {
  const text = await c.req.text();
  if (text.trim() === "") return { kind: "empty" };
  const contentType = c.req.header("Content-Type");
  if (isFormContentType(contentType)) return { kind: "form", value: formToObject(text) };
  if (!isJsonContentType(contentType)) return { kind: "not-json", contentType: contentType ?? null };
  if (jsonTooDeep(text)) return { kind: "too-deep" };
  try {
    return { kind: "json", value: JSON.parse(text) };
  } catch (error) {
    return { kind: "malformed", reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The request body read as JSON, memoised per request: the limiter (which looks for a body
 * `idempotencyKey`) and the JSON gate share one parse. Hono keeps the text, so the route's
 * validator reads the body without touching the stream again.
 */
export function readJsonBody(c: Context<AppEnv>): Promise<JsonRead> {
  let pending = reads.get(c.req.raw);
  if (!pending) reads.set(c.req.raw, (pending = read(c)));
  return pending;
}

/** Replaces the request body with `value` as JSON (the route's validator then reads it like any JSON body). */
export function replaceJsonBody(c: Context<AppEnv>, value: unknown): void {
  const text = JSON.stringify(value);
  if (!isJsonContentType(c.req.header("Content-Type"))) {
    const headers = new Headers(c.req.raw.headers);
    headers.set("Content-Type", "application/json");
    c.req.raw = new Request(c.req.raw.url, { method: c.req.method, headers, body: text });
  }
  c.req.bodyCache = { text: Promise.resolve(text) } as unknown as typeof c.req.bodyCache;
}

/** Options for jsonBodyGate. */
export interface JsonBodyOptions {
  /** Also accept application/x-www-form-urlencoded, read as the equivalent JSON object. */
  form?: boolean;
}

/**
 * For POST/PUT/PATCH: 415 unless JSON (or a form, when allowed); 400 INVALID_JSON unless the body
 * parses and nests at most MAX_JSON_DEPTH deep. An empty body
 * needs no Content-Type: body-less actions (`POST /subscriptions/:id/pause`, `rotate-secret`, a
 * bare `curl -X POST`) pass. With a JSON Content-Type it reads as `{}` (the validator parses it);
 * without one it stays empty, so the route's optional body is simply absent.
 */
export function jsonBodyGate(options: JsonBodyOptions = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!METHODS_WITH_BODY.has(c.req.method)) return next();
    const body = await readJsonBody(c);
    if (body.kind === "form" && options.form) replaceJsonBody(c, body.value);
    else gate(c, body);
    return next();
  };
}

/** The JSON-only body gate (see jsonBodyGate). */
export const jsonBody = jsonBodyGate();

function gate(c: Context<AppEnv>, body: JsonRead): void {
  if (body.kind === "empty") {
    if (isJsonContentType(c.req.header("Content-Type"))) (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve("{}");
  } else if (body.kind === "not-json" || body.kind === "form") {
    const received = body.kind === "form" ? "application/x-www-form-urlencoded" : body.contentType;
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json", { details: { received } });
  } else if (body.kind === "malformed") {
    throw new AppError("INVALID_JSON", "Request body is not valid JSON", { details: { reason: body.reason } });
  } else if (body.kind === "too-deep") {
    throw new AppError("INVALID_JSON", `Request body nests deeper than ${MAX_JSON_DEPTH} levels`, { details: { reason: "too deep", maxDepth: MAX_JSON_DEPTH } });
  }
}
