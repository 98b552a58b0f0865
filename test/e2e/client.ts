// Black-box HTTP helpers for e2e tests: real clients (Node fetch, node:http) and contract envelope checks.
import http from "node:http";
import { expect } from "vitest";

export const BASE_PATH = "/webhooks/v2";

/** Options for api. */
export interface ApiOptions {
  method?: string;
  /** Sent as `Authorization: Bearer <token>`; omit for no credentials. */
  token?: string;
  /** JSON-encoded with `Content-Type: application/json` unless that header is given. */
  body?: unknown;
  /** Sent as is (no Content-Type added). */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** What a test looks at in a response. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body, or undefined when it is not JSON. */
  json: any;
}

/** Sends a request with Node fetch to `baseUrl` + `path` (a path under the base path unless it starts with `//`). */
export async function api(baseUrl: string, path: string, options: ApiOptions = {}): Promise<ApiResponse> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set("Authorization", `Bearer ${options.token}`);
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  }
  const url = path.startsWith("//") ? `${baseUrl}${path.slice(1)}` : `${baseUrl}${BASE_PATH}${path}`;
  const res = await fetch(url, { method: options.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Options for rawRequest. */
export interface RawRequestOptions {
  method?: string;
  /** Full path including the base path and query. */
  path: string;
  headers?: Record<string, string>;
  /**
   * Streams the body with chunked transfer encoding (no Content-Length): `size` bytes in
   * `chunkSize` pieces every `intervalMs` (default: as fast as the socket takes them), `first`
   * before them. Stops writing as soon as a response arrives. With `holdOpenMs` the request is
   * left unfinished that long after the last byte, so a server that answers before the body is
   * complete can be told apart from one that waits for all of it (`bodyComplete`).
   */
  stream?: { first?: string; size: number; chunkSize?: number; intervalMs?: number; holdOpenMs?: number };
}

/** A node:http response, with how much of the body had been sent when it arrived. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
  bytesWritten: number;
  /** Whether the request body had been finished when the response arrived. */
  bodyComplete: boolean;
}

/** How long rawRequest waits for a complete response before it fails (under the 60 s test timeout). */
const RAW_REQUEST_DEADLINE_MS = 40_000;

/** Sends a request with node:http: any method, any headers, optionally a chunked streamed body. */
export function rawRequest(baseUrl: string, options: RawRequestOptions): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    let bodyComplete = false;
    let bytesWritten = 0;
    let holdTimer: NodeJS.Timeout | undefined;
    const req = http.request(
      // A fresh connection each time: the gateway may close one after an early answer (413), and a
      // pooled keep-alive socket would then fail the next request with EPIPE.
      { agent: false, host: url.hostname, port: url.port, method: options.method ?? "GET", path: options.path, headers: options.headers, maxHeaderSize: 1 << 20 },
      (res) => {
        answered = true;
        const completeWhenAnswered = bodyComplete;
        clearTimeout(holdTimer);
        if (!bodyComplete) req.end();
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        // 'close' always comes, also when the connection is reset after an early answer (then
        // 'end' never does): settle there, and say so if the response body was cut short.
        res.on("close", () => {
          clearTimeout(deadline);
          if (!res.complete) return reject(new Error(`response ${res.statusCode} was cut short after ${text.length} bytes (connection reset)`));
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, bytesWritten, bodyComplete: completeWhenAnswered });
        });
      },
    );
    // A bounded wait, well inside the test timeout: a gateway that never answers fails with a message.
    const deadline = setTimeout(() => {
      req.destroy(new Error(`no complete response within ${RAW_REQUEST_DEADLINE_MS} ms (${bytesWritten} body bytes written, body ${bodyComplete ? "complete" : "still open"})`));
    }, RAW_REQUEST_DEADLINE_MS);
    // After the gateway answers early it may close the connection while we are still writing.
    req.on("error", (error) => {
      if (!answered) {
        clearTimeout(deadline);
        reject(error);
      }
    });
    const finish = () => {
      bodyComplete = true;
      req.end();
    };
    const stream = options.stream;
    if (!stream) return finish();
    if (stream.first) req.write(stream.first);
    const chunk = " ".repeat(stream.chunkSize ?? 1024);
    const pump = () => {
      if (answered || req.destroyed) return;
      if (bytesWritten >= stream.size) {
        if (stream.holdOpenMs) holdTimer = setTimeout(finish, stream.holdOpenMs);
        else finish();
        return;
      }
      bytesWritten += chunk.length;
      const last = bytesWritten >= stream.size;
      // Respect backpressure so "bytes written" means bytes handed to the socket, not queued in memory
      // — except after the last chunk: the hold starts at once, since a server that has answered
      // stops reading and the 'drain' may never come.
      const next = () => (stream.intervalMs ? setTimeout(pump, stream.intervalMs) : setImmediate(pump));
      if (req.write(chunk) || last) next();
      else req.once("drain", next);
    };
    pump();
  });
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const SUCCESS_KEYS = ["success", "data", "meta", "links"];
const ERROR_KEYS = ["success", "error", "code", "details", "requestId", "timestamp", "retryable", "retryAfter", "meta"];
/** Codes whose failures a retry can cure, per the contract. */
const RETRYABLE = new Set(["RATE_LIMITED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"]);

/** True for an ISO-8601 date-time that parses. */
export function isIsoDateTime(value: unknown): boolean {
  return typeof value === "string" && ISO_8601.test(value) && !Number.isNaN(Date.parse(value));
}

function expectJson(res: ApiResponse | RawResponse) {
  const type = res.headers instanceof Headers ? res.headers.get("content-type") : res.headers["content-type"];
  expect(type).toMatch(/^application\/json/);
  expect(res.json, `body is not JSON: ${res.text.slice(0, 200)}`).toBeTypeOf("object");
}

function requestIdOf(res: ApiResponse | RawResponse): string | null | undefined {
  return res.headers instanceof Headers ? res.headers.get("x-request-id") : (res.headers["x-request-id"] as string | undefined);
}

/** Asserts the success envelope with `status` and returns `data`. */
export function expectSuccess(res: ApiResponse, status = 200): any {
  expect(res.status, res.text.slice(0, 500)).toBe(status);
  expectJson(res);
  const body = res.json;
  expect(Object.keys(body).filter((k) => !SUCCESS_KEYS.includes(k))).toEqual([]);
  expect(body.success).toBe(true);
  expect(body.data).toBeTypeOf("object");
  expect(body.meta.apiVersion).toBe("2.0");
  expect(body.meta.requestId).toBe(requestIdOf(res));
  expect(body.meta.processingTime).toBeTypeOf("number");
  expect(body.meta.processingTime).toBeGreaterThanOrEqual(0);
  if (body.links !== undefined) for (const href of Object.values(body.links)) expect(href).toBeTypeOf("string");
  return body.data;
}

/** Asserts the error envelope with `code` and `status` and returns the body. */
export function expectError(res: ApiResponse | RawResponse, code: string, status: number): any {
  expect(res.status, res.text.slice(0, 500)).toBe(status);
  expectJson(res);
  const body = res.json;
  expect(Object.keys(body).filter((k) => !ERROR_KEYS.includes(k))).toEqual([]);
  expect(body.success).toBe(false);
  expect(body.code).toBe(code);
  expect(body.error).toBeTypeOf("string");
  expect(body.error.length).toBeGreaterThan(0);
  expect(body.requestId).toBe(requestIdOf(res));
  expect(isIsoDateTime(body.timestamp)).toBe(true);
  expect(body.retryable).toBe(RETRYABLE.has(code));
  expect(body.meta?.apiVersion).toBe("2.0");
  return body;
}

/** Asserts a schema error naming `field` (dotted path) in details.field and details.issues. */
export function expectSchemaError(res: ApiResponse, field: string): any {
  const body = expectError(res, "SCHEMA_VALIDATION_ERROR", 400);
  expect(body.details.field).toBeTypeOf("string");
  expect(body.details.reason).toBeTypeOf("string");
  expect(Array.isArray(body.details.issues)).toBe(true);
  for (const issue of body.details.issues) {
    expect(issue.field).toBeTypeOf("string");
    expect(issue.reason).toBeTypeOf("string");
  }
  expect(body.details.issues.map((i: { field: string }) => i.field)).toContain(field);
  expect(body.details.issues[0]).toEqual({ field: body.details.field, reason: body.details.reason });
  return body;
}

/** Asserts a response is neither an HTML page nor a 500. */
export function expectNotHtmlNor500(res: ApiResponse | RawResponse) {
  const type = (res.headers instanceof Headers ? res.headers.get("content-type") : res.headers["content-type"]) ?? "";
  expect(type).not.toMatch(/html/i);
  expect(res.text).not.toMatch(/<html|<!doctype/i);
  expect(res.status).not.toBe(500);
}

/** Creates an API token through the admin API; returns its id and key. */
export async function createToken(baseUrl: string, adminToken: string, endpoints: string[], extra: Record<string, unknown> = {}) {
  const res = await api(baseUrl, "/tokens", { token: adminToken, body: { name: "e2e", type: "custom", endpoints, ...extra } });
  const data = expectSuccess(res, 201);
  expect(data.key).toMatch(/^ehk_[A-Za-z0-9_-]{32,}$/);
  return { id: data.id as string, key: data.key as string };
}
