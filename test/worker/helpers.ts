// Helpers for worker tests: requests against the real Worker export and envelope assertions.
import { exports } from "cloudflare:workers";

export const BASE = "https://gateway.test/webhooks/v2";
export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

/** Options for call. */
export interface CallOptions {
  method?: string;
  token?: string | null;
  body?: unknown;
  rawBody?: BodyInit;
  headers?: Record<string, string>;
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
  const response = await exports.default.fetch(new Request(`${BASE}${path}`, { method: options.method ?? (body !== undefined ? "POST" : "GET"), headers, body }));
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
