/** Endpoint checks (pure): whether a verification answer carries the challenge, and what a health probe's answer means. */
/** A health probe's result, as GET /subscriptions/:id/health answers it (the last one is kept on the subscription). */
export interface HealthCheck {
  status: "healthy" | "unhealthy" | "unreachable";
  responseCode?: number;
  responseTimeMs?: number;
  error?: string;
  checkedAt: string;
}

/** The event type of a verification request. */
export const VERIFICATION_EVENT = "webhook.verification";
/** A health probe gives up after this long (the endpoint is then unreachable). */
export const PROBE_TIMEOUT_MS = 5_000;

/**
 * True when a verification answer proves the endpoint: a 2xx whose body is the challenge, as plain
 * text (surrounding whitespace and one pair of JSON quotes allowed) or as JSON `{"challenge": ...}`.
 */
export function challengeAnswered(statusCode: number | null, body: string | null, challenge: string): boolean {
  if (statusCode === null || statusCode < 200 || statusCode > 299 || body === null) return false;
  const text = body.trim();
  if (text === challenge) return true;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === challenge) return true;
    return typeof parsed === "object" && parsed !== null && (parsed as { challenge?: unknown }).challenge === challenge;
  } catch {
    return false;
  }
}

/** What one probe request reported: the status (null when no answer came) and how long it took. */
export interface ProbeAnswer {
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/** The method to probe with after an answer to HEAD: GET when HEAD is not allowed (405, 501), else none. */
export function probeFallback(headStatus: number | null): "GET" | null {
  return headStatus === 405 || headStatus === 501 ? "GET" : null;
}

/**
 * The health of an endpoint from its probe answer: any 2xx or 3xx is healthy (the endpoint is
 * up and routes the path), another status unhealthy, no answer (refused, DNS, timeout) unreachable.
 */
export function healthOf(answer: ProbeAnswer, checkedAt: string): HealthCheck {
  if (answer.statusCode === null) return { status: "unreachable", ...(answer.error ? { error: answer.error } : {}), checkedAt };
  const status = answer.statusCode >= 200 && answer.statusCode < 400 ? "healthy" : "unhealthy";
  return { status, responseCode: answer.statusCode, responseTimeMs: answer.durationMs, checkedAt };
}
