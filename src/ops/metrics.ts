/**
 * The metrics API other modules call: record into this isolate's accumulator (synchronous, no I/O),
 * flush delta batches to the Metrics Durable Object in the background, read the cross-isolate totals.
 */
import type { Config } from "../config";
import { MetricsAccumulator, type RequestObservation } from "./metrics-accumulator";
import type { MetricsTotals } from "./metrics-do";
import type { DeliveryOutcome, RateLimitLevel } from "./metrics-model";

export type { DeliveryOutcome, RateLimitLevel } from "./metrics-model";

/** This isolate's pending figures. */
const ACCUMULATOR = new MetricsAccumulator();
/** Batches on their way to the DO; a read waits for them so it sees every figure this isolate recorded. */
const IN_FLIGHT = new Set<Promise<void>>();

/** The one Metrics Durable Object. */
function metricsStub(env: Env) {
  return env.METRICS.get(env.METRICS.idFromName("global"));
}

/** Records one finished request (the ops middleware calls this for every request). */
export function recordRequest(observation: RequestObservation): void {
  ACCUMULATOR.recordRequest(observation);
}

/** Records a request refused by the rate limiter at `level` (global | endpoint | token) for `endpoint`. */
export function recordRateLimitViolation(level: RateLimitLevel, tokenId: string | null, endpoint: string): void {
  ACCUMULATOR.recordRateLimitViolation(level, tokenId, endpoint);
}

/**
 * Records one delivery attempt that ended: `success` (2xx), `failed` (no retry left, or not
 * retryable) or `retried` (failed, will be tried again), with the attempt's latency in ms.
 */
export function recordDelivery(outcome: DeliveryOutcome, latencyMs: number): void {
  ACCUMULATOR.recordDelivery(outcome, latencyMs);
}

function send(env: Env): Promise<void> | null {
  const delta = ACCUMULATOR.take();
  if (!delta) return null;
  const sent: Promise<void> = metricsStub(env)
    .ingest(delta)
    .then(
      () => undefined,
      (error: unknown) => {
        ACCUMULATOR.restore(delta);
        console.warn(JSON.stringify({ level: "warn", msg: "metrics flush failed; figures kept for the next batch", error: String(error) }));
      },
    )
    .finally(() => IN_FLIGHT.delete(sent));
  IN_FLIGHT.add(sent);
  return sent;
}

/**
 * Hands the pending batch to `ctx.waitUntil` when it is due (METRICS_FLUSH_SECONDS or
 * METRICS_FLUSH_REQUESTS); otherwise does nothing. Never awaited by the caller. Code outside the
 * request path (the queue consumer) calls this at the end of each batch.
 */
export function flushWhenDue(env: Env, ctx: Pick<ExecutionContext, "waitUntil">, config: Config): void {
  if (!ACCUMULATOR.due({ intervalMs: config.metrics.flushIntervalMs, requests: config.metrics.flushRequests })) return;
  if (!config.metrics.enabled) {
    ACCUMULATOR.take();
    return;
  }
  const sent = send(env);
  if (sent) ctx.waitUntil(sent);
}

/** How long a read waits for batches other requests of this isolate still have in flight. */
const IN_FLIGHT_WAIT_MS = 2000;

/**
 * Sends everything pending now and waits for batches already on their way (those started by other
 * requests are waited for at most IN_FLIGHT_WAIT_MS, so a read never hangs on another request).
 */
export async function flushNow(env: Env): Promise<void> {
  const own = send(env);
  const others = [...IN_FLIGHT].filter((p) => p !== own);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bounded = others.length
    ? Promise.race([Promise.all(others), new Promise<void>((resolve) => (timer = setTimeout(resolve, IN_FLIGHT_WAIT_MS)))]).finally(() => timer !== undefined && clearTimeout(timer))
    : Promise.resolve();
  await Promise.all([own, bounded]);
}

/** Flushes this isolate, then reads the cross-isolate totals (`top` heaviest keys per capped section). */
export async function readMetrics(env: Env, top: number): Promise<MetricsTotals> {
  await flushNow(env);
  return metricsStub(env).read(top);
}

/** Liveness probe of the Metrics DO (for GET /health). */
export async function pingMetrics(env: Env): Promise<void> {
  await metricsStub(env).ping();
}
