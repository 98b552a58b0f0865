/** Endpoint checks on demand: verification (a challenge the endpoint must echo) and the health probe. */
import type { Config } from "../config";
import { AppError } from "../http/errors";
import { randomToken } from "../lib/crypto";
import { nextEventId } from "../lib/ids";
import { iso } from "../lib/time";
import { challengeAnswered, healthOf, VERIFICATION_EVENT, type HealthCheck } from "./core/endpoint-checks";
import { authHeaders } from "./destinations/http-attempt";
import { httpDestination, type HttpConfig } from "./destinations/http";
import { probeUrl } from "./destinations/http-probe";
import { checkDestination } from "./destinations/url-guard";
import { sendContext } from "./send-context";
import { markVerified, rowDb, saveProbe, type SubscriptionRow } from "./store/subscriptions";
import { releaseDeliverable } from "./subscriptions";

/** The outcome of one verification request. */
export interface VerificationResult {
  /** True when this request's answer carried the challenge (a failed one leaves an earlier verification standing). */
  verified: boolean;
  /** When the subscription was (last) verified, or null. */
  verifiedAt: string | null;
  statusCode: number | null;
  responseTimeMs: number;
  error: string | null;
  /** Held deliveries re-enqueued because the subscription may deliver now. */
  released: number;
}

function httpOnly(row: SubscriptionRow, what: string): void {
  if (row.destination_type !== "http") throw new AppError("UNPROCESSABLE", `${what} is for http destinations; this subscription delivers to a ${row.destination_type}`);
}

/**
 * Sends `webhook.verification` `{challenge}` (signed like a delivery, destination-guarded) and,
 * when the answer carries the challenge, marks the subscription verified and releases what it held.
 */
export async function verifyEndpoint(env: Env, config: Config, row: SubscriptionRow, now: number): Promise<VerificationResult> {
  httpOnly(row, "Verification");
  const challenge = randomToken(24);
  const eventId = nextEventId();
  const body = JSON.stringify({ id: eventId, tenantId: row.tenant_id, type: VERIFICATION_EVENT, timestamp: iso(now), data: { challenge } });
  const ctx = await sendContext(env, config, row, now);
  const result = await httpDestination.send({ eventId, eventType: VERIFICATION_EVENT, body, attempt: 1 }, { ...ctx, destination: ctx.destination as unknown as HttpConfig });
  const verified = challengeAnswered(result.statusCode, result.responseBody, challenge);
  const error = verified ? null : (result.error ?? `the answer (${result.statusCode ?? "none"}) did not carry the challenge`);
  let stored = row;
  let released = 0;
  if (verified) {
    stored = (await markVerified(rowDb(env.DB, row), row.id, result.finishedAt)) ?? row;
    released = await releaseDeliverable(env, stored, result.finishedAt);
  }
  return { verified, verifiedAt: stored.verified_at === null ? null : iso(stored.verified_at), statusCode: result.statusCode, responseTimeMs: result.durationMs, error, released };
}

/**
 * Probes the endpoint now (HEAD, GET when HEAD is refused, PROBE_TIMEOUT_MS) with its own
 * headers and auth, after the destination guard; keeps the result on the subscription.
 */
export async function probeEndpoint(env: Env, config: Config, row: SubscriptionRow, now: number): Promise<HealthCheck> {
  httpOnly(row, "A health probe");
  const verdict = checkDestination(row.url, { allowPrivate: config.allowPrivateDestinations });
  if (!verdict.ok) throw new AppError("UNPROCESSABLE", `The endpoint is not probed: ${verdict.reason}`);
  const ctx = await sendContext(env, config, row, now);
  const http = ctx.destination as unknown as HttpConfig;
  const headers = { ...http.headers, ...(await authHeaders(http.auth, ctx.credentials, "")) };
  const answer = await probeUrl(verdict.url.toString(), { headers });
  const check = healthOf(answer, iso(now + answer.durationMs));
  await saveProbe(rowDb(env.DB, row), row.id, check);
  return check;
}
