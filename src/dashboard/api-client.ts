/** Calls the gateway's own API in-process with the session's credential: every rule stays in the API. */
import type { Context } from "hono";
import type { AppEnv } from "../http/context";

/** The API's fetch handler (the app itself), handed to the dashboard by createApp. */
export type ApiFetch = (request: Request, env: Env, ctx: Context<AppEnv>["executionCtx"]) => Response | Promise<Response>;

/** What a page gets back: the envelope's data on success, the API's error otherwise. */
export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: string; code: string };

/** Options of callApi. */
export interface CallApiOptions {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Headers copied from the browser's request so the API sees the same caller (IP allowlist, metrics). */
const FORWARDED = ["CF-Connecting-IP", "User-Agent"];

/** Builds the API request for `path` (under the base path, with its query) as the signed-in caller. */
export function apiRequest(c: Context<AppEnv>, token: string, path: string, options: CallApiOptions = {}): Request {
  const headers = new Headers(options.headers);
  headers.set("Authorization", `Bearer ${token}`);
  for (const name of FORWARDED) {
    const value = c.req.header(name);
    if (value) headers.set(name, value);
  }
  let body: string | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers.set("Content-Type", "application/json");
  }
  const url = new URL(`/webhooks/v2${path}`, c.req.url);
  return new Request(url, { method: options.method ?? (body === undefined ? "GET" : "POST"), headers, body });
}

/** Calls the API and unwraps its envelope. */
export async function callApi<T = any>(c: Context<AppEnv>, api: ApiFetch, token: string, path: string, options: CallApiOptions = {}): Promise<ApiResult<T>> {
  const res = await api(apiRequest(c, token, path, options), c.env, c.executionCtx);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, status: res.status, error: `Unexpected response (${res.status})`, code: "INTERNAL" };
  }
  if (res.ok && json?.success) return { ok: true, status: res.status, data: json.data as T };
  return { ok: false, status: res.status, error: String(json?.error ?? res.statusText), code: String(json?.code ?? "INTERNAL") };
}
