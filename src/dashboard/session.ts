/** Dashboard sessions: a sealed, expiring cookie holding the signed-in credential and its CSRF token. */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../http/context";
import { hmac, randomToken, timingSafeEqual } from "../lib/crypto";
import { toBase64 } from "../lib/encoding";
import { openSecret, sealSecret } from "../lib/secret-box";

/** The session cookie's name. */
export const SESSION_COOKIE = "edgehook_session";
/** How long a session lasts after sign-in. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
/** Where the cookie is sent: the dashboard's own paths only. */
export const DASHBOARD_PATH = "/webhooks/v2/dashboard";
const CONTEXT = "dashboard-session";
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** What a session cookie carries (sealed: the browser can neither read nor alter it). */
export interface Session {
  /** Session id (sign-out records it as ended). */
  sid: string;
  /** The credential signed in with; every page calls the API with it. */
  token: string;
  /** The token forms carry back on every change. */
  csrf: string;
  /** Expiry, unix ms. */
  exp: number;
}

/** The AES key sessions are sealed under, derived from ADMIN_TOKEN (rotating it ends every session). */
async function sessionKey(adminToken: string): Promise<string> {
  return toBase64(await hmac(adminToken, "edgehook dashboard session key v1"));
}

/** A new session for `token`, valid SESSION_TTL_MS from `now`. */
export function newSession(token: string, now: number): Session {
  return { sid: randomToken(16), token, csrf: randomToken(24), exp: now + SESSION_TTL_MS };
}

/** Seals a session into a cookie value. */
export async function sealSession(adminToken: string, session: Session): Promise<string> {
  return sealSecret(await sessionKey(adminToken), JSON.stringify(session), CONTEXT);
}

/** Opens a cookie value; null when it was not sealed here, is malformed, or has expired. */
export async function openSession(adminToken: string, value: string, now: number): Promise<Session | null> {
  try {
    const session = JSON.parse(await openSecret(await sessionKey(adminToken), value, CONTEXT)) as Session;
    if (typeof session.token !== "string" || typeof session.csrf !== "string" || typeof session.sid !== "string") return null;
    return typeof session.exp === "number" && session.exp > now ? session : null;
  } catch {
    return null;
  }
}

/** True when `submitted` is the session's CSRF token (constant time). */
export function csrfMatches(session: Session, submitted: unknown): boolean {
  return typeof submitted === "string" && timingSafeEqual(submitted, session.csrf);
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, Secure except on localhost. */
export async function writeSessionCookie(c: Context<AppEnv>, session: Session): Promise<void> {
  const host = new URL(c.req.url).hostname;
  setCookie(c, SESSION_COOKIE, await sealSession(c.get("config").adminToken, session), {
    path: DASHBOARD_PATH,
    httpOnly: true,
    sameSite: "Strict",
    secure: !LOCAL_HOSTS.has(host),
    maxAge: Math.floor((session.exp - Date.now()) / 1000),
  });
}

/** Removes the session cookie from the browser. */
export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: DASHBOARD_PATH });
}

/** The request's live session: sealed here, unexpired and not signed out; null otherwise. */
export async function readSession(c: Context<AppEnv>): Promise<Session | null> {
  const value = getCookie(c, SESSION_COOKIE);
  if (!value) return null;
  const now = Date.now();
  const session = await openSession(c.get("config").adminToken, value, now);
  if (!session) return null;
  const ended = await c.env.DB.prepare("SELECT 1 FROM dashboard_session_ends WHERE id = ?").bind(session.sid).first();
  return ended ? null : session;
}

/** Ends a session for good (sign-out); expired records are dropped on the way. */
export async function endSession(db: D1Database, session: Session, now: number): Promise<void> {
  await db.batch([
    db.prepare("INSERT OR IGNORE INTO dashboard_session_ends (id, expires_at) VALUES (?, ?)").bind(session.sid, session.exp),
    db.prepare("DELETE FROM dashboard_session_ends WHERE expires_at < ?").bind(now),
  ]);
}
