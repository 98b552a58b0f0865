/** JSON body gate: requires a JSON content type and parses the body once, mapping failures to 415 / 400. */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { AppError } from "./errors";

const METHODS_WITH_BODY = new Set(["POST", "PUT", "PATCH"]);

/** True for `application/json` and `application/*+json`, with any parameters. */
export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const type = value.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/**
 * For POST/PUT/PATCH: 415 unless JSON; 400 INVALID_JSON unless the body parses. An empty body
 * is read as `{}` so body-less actions (e.g. `POST /subscriptions/:id/pause`) need no payload.
 * Hono caches the text, so the route's validator reads the body without touching the stream again.
 */
export const jsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!METHODS_WITH_BODY.has(c.req.method)) return next();
  const text = await c.req.text();
  if (text.trim() === "") {
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve("{}");
    return next();
  }
  if (!isJsonContentType(c.req.header("Content-Type"))) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json", {
      details: { received: c.req.header("Content-Type") ?? null },
    });
  }
  try {
    JSON.parse(text);
  } catch (error) {
    throw new AppError("INVALID_JSON", "Request body is not valid JSON", {
      details: { reason: error instanceof Error ? error.message : String(error) },
    });
  }
  return next();
};
