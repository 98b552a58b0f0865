/** One HTTP attempt of a delivery: the request's headers (signatures, auth, X-Webhook-*), the fetch, the result. */
import { hmac } from "../../lib/crypto";
import { toBase64, toHex } from "../../lib/encoding";
import { VERSION } from "../../lib/version";
import type { AttemptResult } from "../core/outcome";
import { classifyStatus, parseRetryAfter } from "../core/retry-policy";
import { signatureHeaders } from "./signer";
import type { AuthInfo, AuthSecret } from "../store/subscriptions";

/** Response bodies are kept up to this many characters. */
export const RESPONSE_BODY_LIMIT = 1024;
const ENCODER = new TextEncoder();

/** Everything needed to send one attempt. */
export interface AttemptRequest {
  url: string;
  method: string;
  eventId: string;
  eventType: string;
  body: string;
  /** The body's media type (default application/json; form-encoded for `$form` templates). */
  contentType?: string;
  /** 1-based attempt number across the delivery's life (X-Webhook-Attempt). */
  attempt: number;
  /** Current secret first, then a rotated one still in grace. */
  secrets: string[];
  /** Ed25519 `whsk_` keys (`v1a` signatures). */
  signingKeys?: string[];
  headers: Record<string, string>;
  auth: AuthInfo;
  authSecret: AuthSecret | null;
  timeoutMs: number;
}

/** The headers of a destination's outbound auth over `body` (deliveries, health probes). */
export async function authHeaders(auth: AuthInfo, secret: AuthSecret | null, body: string): Promise<Record<string, string>> {
  switch (auth.type) {
    case "basic":
      return { Authorization: `Basic ${toBase64(ENCODER.encode(`${auth.username ?? ""}:${secret?.password ?? ""}`))}` };
    case "bearer":
      return { Authorization: `Bearer ${secret?.token ?? ""}` };
    case "api-key":
      return { [auth.header ?? "X-API-Key"]: secret?.key ?? "" };
    case "hmac": {
      const mac = await hmac(secret?.secret ?? "", body, auth.algorithm === "sha512" ? "SHA-512" : "SHA-256");
      return { [auth.header ?? "X-Signature"]: auth.encoding === "base64" ? toBase64(mac) : toHex(mac) };
    }
    default:
      return {};
  }
}

/** Header sets merged by case-insensitive name, later sets winning, so no name is ever sent twice. */
function mergeHeaders(...sets: Record<string, string>[]): Record<string, string> {
  const merged = new Map<string, [string, string]>();
  for (const set of sets) for (const [name, value] of Object.entries(set)) merged.set(name.toLowerCase(), [name, value]);
  return Object.fromEntries(merged.values());
}

/** The full header set of an attempt at `nowMs`; gateway headers win over auth, auth over custom ones (any case). */
export async function attemptHeaders(request: AttemptRequest, nowMs: number): Promise<Record<string, string>> {
  const signing = await signatureHeaders({ id: request.eventId, body: request.body, nowMs, secrets: request.secrets, signingKeys: request.signingKeys });
  return mergeHeaders(request.headers, await authHeaders(request.auth, request.authSecret, request.body), {
    "Content-Type": request.contentType ?? "application/json",
    "User-Agent": `edgehook/${VERSION}`,
    ...signing,
    "X-Webhook-ID": request.eventId,
    "X-Webhook-Event": request.eventType,
    "X-Webhook-Attempt": String(request.attempt),
  });
}

async function readTruncated(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < RESPONSE_BODY_LIMIT) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // A body that fails mid-way still leaves the status, which is what counts.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return text.slice(0, RESPONSE_BODY_LIMIT);
}

function describeError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `timeout after ${timeoutMs} ms`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Sends one attempt: no redirects followed (a 3xx is a failure), bounded by the timeout. Never throws. */
export async function sendAttempt(request: AttemptRequest): Promise<AttemptResult> {
  const started = Date.now();
  try {
    const headers = await attemptHeaders(request, started);
    const response = await fetch(request.url, {
      method: request.method,
      headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const responseBody = await readTruncated(response);
    const finishedAt = Date.now();
    return {
      statusCode: response.status,
      durationMs: finishedAt - started,
      responseBody,
      error: response.status >= 300 && response.status < 400 ? `redirect to ${response.headers.get("Location") ?? "?"} not followed` : null,
      verdict: classifyStatus(response.status),
      retryAfterMs: parseRetryAfter(response.headers.get("Retry-After"), finishedAt),
      finishedAt,
    };
  } catch (error) {
    const finishedAt = Date.now();
    return { statusCode: null, durationMs: finishedAt - started, responseBody: null, error: describeError(error, request.timeoutMs), verdict: "retry", retryAfterMs: null, finishedAt };
  }
}
