// Helpers for worker tests: requests against the real Worker export and envelope assertions.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { createApp } from "../../src/app";

export const BASE = "https://gateway.test/webhooks/v2";
export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

/** Options for call. */
export interface CallOptions {
  method?: string;
  token?: string | null;
  body?: unknown;
  rawBody?: BodyInit;
  headers?: Record<string, string>;
  /**
   * Worker vars to override for this call (e.g. small rate limits): the real app runs with
   * `{...env, ...vars}`, and the call returns only after its `waitUntil` work has finished.
   */
  vars?: Record<string, string>;
}

let appForVars: ReturnType<typeof createApp> | null = null;

async function dispatch(request: Request, vars: Record<string, string> | undefined): Promise<Response> {
  if (!vars) return exports.default.fetch(request);
  appForVars ??= createApp();
  const ctx = createExecutionContext();
  const response = await appForVars.fetch(request, { ...env, ...vars }, ctx);
  const body = await response.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return new Response(body, response);
}

/** Calls the Worker at `path` (under the base path) and returns status, headers and parsed JSON. */
export async function call(path: string, options: CallOptions = {}) {
  const headers = new Headers(options.headers);
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  if (token) headers.set("Authorization", `Bearer ${token}`);
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  }
  const response = await dispatch(new Request(`${BASE}${path}`, { method: options.method ?? (body !== undefined ? "POST" : "GET"), headers, body }), options.vars);
  const text = await response.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** Creates a token with the given scopes through the API and returns its id and key. */
export async function createToken(endpoints: string[], extra: Record<string, unknown> = {}) {
  const res = await call("/tokens", { body: { name: "test", type: "custom", endpoints, ...extra } });
  if (res.status !== 201) throw new Error(`token creation failed: ${res.status} ${res.text}`);
  return { id: res.json.data.id as string, key: res.json.data.key as string };
}
