/** Sign-in and sign-out: a token from the form becomes a sealed session cookie once the API accepts it. */
import type { Context } from "hono";
import type { AppEnv } from "../http/context";
import { callApi, type ApiFetch } from "./api-client";
import { href, Layout, Notice } from "./layout";
import { clearSessionCookie, endSession, newSession, writeSessionCookie } from "./session";
import type { DashContext } from "./context";
import { findTokenByHash, hashKey } from "../auth/token-repository";

/** GET /sign-in: the form. */
export function signInPage(c: Context<AppEnv>, error?: string, status = 200) {
  return c.html(
    <Layout title="Sign in">
      {error && <Notice kind="error">{error}</Notice>}
      <form method="post" action={href("/sign-in")} class="panel narrow" data-testid="sign-in">
        <label for="token">Admin, API or portal token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
    </Layout>,
    status as 200,
  );
}

/**
 * Starts a session for `token` when the API accepts it (GET /status needs any valid credential), so
 * sign-in follows the API's own rules. A portal token (`?token=`) is one more caller of this: the
 * session then acts as that token, inside its tenant and scopes (subscriptions, events).
 */
export async function startSession(c: Context<AppEnv>, api: ApiFetch, token: string, expiresAt: number | null = null): Promise<string | null> {
  const probe = await callApi(c, api, token, "/status");
  if (!probe.ok) return probe.status === 401 ? "That token is not valid." : probe.error;
  const session = newSession(token, Date.now());
  if (expiresAt !== null) session.exp = Math.min(session.exp, expiresAt);
  await writeSessionCookie(c, session);
  return null;
}

/** The prefix of tenant portal tokens (POST /tenants/:id/portal), the only credential taken from a url. */
export const PORTAL_TOKEN_PREFIX = "ehp_";

/**
 * GET /dashboard?token=ehp_…: a portal link signs in and lands on the clean url (the token leaves
 * the address bar and, with Referrer-Policy no-referrer, is never sent on). Other credentials are
 * refused in a url: an API key would end up in browser history and logs.
 */
export async function signInFromLink(c: Context<AppEnv>, api: ApiFetch, token: string) {
  if (!token.startsWith(PORTAL_TOKEN_PREFIX)) return signInPage(c, "Only a portal link can sign in from the address; enter other tokens below.", 400);
  // A portal token expires within a week: the session ends with it (a sign-in page, not API errors).
  const record = await findTokenByHash(c.env.DB, await hashKey(token));
  const refusal = await startSession(c, api, token, record?.expiresAt ? Date.parse(record.expiresAt) : null);
  if (refusal) return signInPage(c, refusal, 401);
  return c.redirect(href("/"), 303);
}

/** POST /sign-in. */
export async function signIn(c: Context<AppEnv>, api: ApiFetch) {
  const form = await c.req.parseBody();
  const token = typeof form.token === "string" ? form.token.trim() : "";
  if (!token) return signInPage(c, "Enter a token.", 400);
  const refusal = await startSession(c, api, token);
  if (refusal) return signInPage(c, refusal, 401);
  return c.redirect(href("/"), 303);
}

/** POST /sign-out: ends the session for good (its cookie no longer works even if kept). */
export async function signOut(c: DashContext) {
  await endSession(c.env.DB, c.var.session, Date.now());
  clearSessionCookie(c as never);
  return c.redirect(href("/sign-in"), 303);
}
