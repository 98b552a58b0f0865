/** The dashboard's request context: the signed-in session and an API caller bound to it. */
import type { Context, MiddlewareHandler } from "hono";
import type { RequestVariables } from "../http/context";
import { AppError } from "../http/errors";
import { callApi, type ApiFetch, type ApiResult, type CallApiOptions } from "./api-client";
import { clearSessionCookie, csrfMatches, DASHBOARD_PATH, readSession, type Session } from "./session";

/** Calls the API as the signed-in caller. */
export type BoundApi = <T = any>(path: string, options?: CallApiOptions) => Promise<ApiResult<T>>;

/** The dashboard's Hono environment. */
export interface DashEnv {
  Bindings: Env;
  Variables: RequestVariables & { session: Session; api: BoundApi; form: Record<string, string>; credentialRefused?: boolean };
}

/** A dashboard request context. */
export type DashContext = Context<DashEnv>;

/** Security headers of every dashboard response: a CSP without inline scripts, no framing, no caching. */
export const securityHeaders: MiddlewareHandler<DashEnv> = async (c, next) => {
  await next();
  c.res.headers.set(
    "Content-Security-Policy",
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  c.res.headers.set("X-Content-Type-Options", "nosniff");
  c.res.headers.set("Referrer-Policy", "no-referrer");
  if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-store");
};

/** Requires a live session (else redirects to sign-in), binds the API to it, checks the CSRF token of every POST, and ends the session when the API refuses its credential. */
export function requireSession(apiFetch: ApiFetch): MiddlewareHandler<DashEnv> {
  return async (c, next) => {
    const session = await readSession(c as never);
    if (!session) {
      clearSessionCookie(c as never);
      return c.redirect(`${DASHBOARD_PATH}/sign-in`, 303);
    }
    c.set("session", session);
    c.set("api", async (path, options) => {
      const result = await callApi(c as never, apiFetch, session.token, path, options);
      if (!result.ok && result.status === 401) c.set("credentialRefused", true);
      return result;
    });
    if (c.req.method === "POST") {
      const form: Record<string, string> = {};
      for (const [k, v] of Object.entries(await c.req.parseBody())) if (typeof v === "string") form[k] = v;
      if (!csrfMatches(session, form.csrf)) throw new AppError("FORBIDDEN", "Missing or wrong CSRF token: reload the page and try again");
      c.set("form", form);
    }
    await next();
    // The API refused the session's own credential (revoked, deactivated or expired since sign-in,
    // e.g. a revoked portal link): the session is over, so the visitor goes back to sign-in.
    if (c.var.credentialRefused) {
      c.res = c.redirect(`${DASHBOARD_PATH}/sign-in`, 303);
      clearSessionCookie(c as never);
    }
  };
}
