/** Request id middleware: echoes a well-formed client X-Request-ID or makes `req-<16 chars>`; starts the clock. */
import type { MiddlewareHandler } from "hono";
import { randomToken } from "../lib/crypto";
import type { AppEnv } from "./context";

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The id to use for a request, given the client's `X-Request-ID` header value (or null). */
export function resolveRequestId(sent: string | null): string {
  return sent && REQUEST_ID_PATTERN.test(sent) ? sent : `req-${randomToken(12)}`;
}

/** Sets `requestId` and `startedAt`, and stamps `X-Request-ID` on the response. */
export const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("startedAt", Date.now());
  const id = resolveRequestId(c.req.header("X-Request-ID") ?? null);
  c.set("requestId", id);
  await next();
  c.res.headers.set("X-Request-ID", id);
};
