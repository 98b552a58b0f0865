/** Sign-in and sign-out: a token from the form becomes a sealed session cookie once the API accepts it. */
import type { Context } from "hono";
import type { AppEnv } from "../http/context";
import { callApi, type ApiFetch } from "./api-client";
import { href, Layout, Notice } from "./layout";
import { clearSessionCookie, endSession, newSession, writeSessionCookie } from "./session";
import type { DashContext } from "./context";

/** GET /sign-in: the form. */
export function signInPage(c: Context<AppEnv>, error?: string, status = 200) {
  return c.html(
    <Layout title="Sign in">
      {error && <Notice kind="error">{error}</Notice>}
      <form method="post" action={href("/sign-in")} class="panel narrow" data-testid="sign-in">
        <label for="token">Admin or API token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
    </Layout>,
    status as 200,
  );
}

/**
 * Starts a session for `token` when the API accepts it (GET /status needs any valid credential), so
 * sign-in follows the API's own rules. A portal token (`?token=`) would be one more caller of this.
 */
export async function startSession(c: Context<AppEnv>, api: ApiFetch, token: string): Promise<string | null> {
  const probe = await callApi(c, api, token, "/status");
  if (!probe.ok) return probe.status === 401 ? "That token is not valid." : probe.error;
  await writeSessionCookie(c, newSession(token, Date.now()));
  return null;
}

/** The prefix of tenant portal tokens (issue 13), the only credential taken from a url. */
export const PORTAL_TOKEN_PREFIX = "ehp_";

/**
 * GET /dashboard?token=ehp_…: a portal link signs in and lands on the clean url (the token leaves
 * the address bar and, with Referrer-Policy no-referrer, is never sent on). Other credentials are
 * refused in a url: an API key would end up in browser history and logs.
 */
export async function signInFromLink(c: Context<AppEnv>, api: ApiFetch, token: string) {
  if (!token.startsWith(PORTAL_TOKEN_PREFIX)) return signInPage(c, "Only a portal link can sign in from the address; enter other tokens below.", 400);
  const refusal = await startSession(c, api, token);
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
