/** JSON body gate: requires a JSON content type and parses the body once per request, mapping failures to 415 / 400. */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { AppError } from "./errors";

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
  | { kind: "not-json"; contentType: string | null }
  | { kind: "malformed"; reason: string };

const reads = new WeakMap<Request, Promise<JsonRead>>();

async function read(c: Context<AppEnv>): Promise<JsonRead> {
  const text = await c.req.text();
  if (text.trim() === "") return { kind: "empty" };
  const contentType = c.req.header("Content-Type");
  if (!isJsonContentType(contentType)) return { kind: "not-json", contentType: contentType ?? null };
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

/**
 * For POST/PUT/PATCH: 415 unless JSON; 400 INVALID_JSON unless the body parses. An empty body
 * needs no Content-Type: body-less actions (`POST /subscriptions/:id/pause`, `rotate-secret`, a
 * bare `curl -X POST`) pass. With a JSON Content-Type it reads as `{}` (the validator parses it);
 * without one it stays empty, so the route's optional body is simply absent.
 */
export const jsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!METHODS_WITH_BODY.has(c.req.method)) return next();
  const body = await readJsonBody(c);
  if (body.kind === "empty") {
    if (isJsonContentType(c.req.header("Content-Type"))) (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve("{}");
  } else if (body.kind === "not-json") {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json", { details: { received: body.contentType } });
  } else if (body.kind === "malformed") {
    throw new AppError("INVALID_JSON", "Request body is not valid JSON", { details: { reason: body.reason } });
  }
  return next();
};
