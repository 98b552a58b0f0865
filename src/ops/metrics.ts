/**
 * The metrics API other modules call: record into this isolate's accumulator (synchronous, no I/O),
 * flush delta batches to the Metrics Durable Object in the background, read the cross-isolate totals.
 */
import type { Config } from "../config";
import { MetricsAccumulator, type RequestObservation } from "./metrics-accumulator";
import type { MetricsTotals } from "./metrics-do";
import type { DeliveryOutcome, RateLimitLevel } from "./metrics-model";

export type { DeliveryOutcome, RateLimitLevel } from "./metrics-model";

/** This isolate's pending figures: every tenant's together (the gateway's series). */
const ACCUMULATOR = new MetricsAccumulator();
/** This isolate's pending figures per tenant (each tenant's own series); an entry lives until its next flush. */
const TENANT_ACCUMULATORS = new Map<string, MetricsAccumulator>();
/** Batches on their way to the DO; a read waits for them so it sees every figure this isolate recorded. */
const IN_FLIGHT = new Set<Promise<void>>();

/** The Metrics Durable Object of the whole gateway (`global`), or of one tenant's series (`tenant:<id>`). */
function metricsStub(env: Env, tenantId: string | null = null) {
  return env.METRICS.get(env.METRICS.idFromName(tenantId === null ? "global" : `tenant:${tenantId}`));
}

/** The tenant's accumulator, created on its first figure. */
function tenantAccumulator(tenantId: string): MetricsAccumulator {
  let accumulator = TENANT_ACCUMULATORS.get(tenantId);
  if (!accumulator) TENANT_ACCUMULATORS.set(tenantId, (accumulator = new MetricsAccumulator()));
  return accumulator;
}

/**
 * Records one finished request (the ops middleware calls this for every request) into the
 * gateway's series and, when the caller acted in a tenant, into that tenant's.
 */
export function recordRequest(observation: RequestObservation, tenantId: string | null = null): void {
  ACCUMULATOR.recordRequest(observation);
  if (tenantId !== null) tenantAccumulator(tenantId).recordRequest(observation);
}

/** Records a request refused by the rate limiter at `level` (global | endpoint | token) for `endpoint` (also in the tenant's series when given). */
export function recordRateLimitViolation(level: RateLimitLevel, tokenId: string | null, endpoint: string, tenantId: string | null = null): void {
  ACCUMULATOR.recordRateLimitViolation(level, tokenId, endpoint);
  if (tenantId !== null) tenantAccumulator(tenantId).recordRateLimitViolation(level, tokenId, endpoint);
}

/**
 * Records one delivery attempt that ended: `success` (2xx), `failed` (no retry left, or not
 * retryable) or `retried` (failed, will be tried again), with the attempt's latency in ms (also in
 * the delivery's tenant's series when given).
 */
export function recordDelivery(outcome: DeliveryOutcome, latencyMs: number, tenantId: string | null = null): void {
  ACCUMULATOR.recordDelivery(outcome, latencyMs);
  if (tenantId !== null) tenantAccumulator(tenantId).recordDelivery(outcome, latencyMs);
}

/** Sends one accumulator's delta to its DO; a failed send puts the figures back. */
function sendOne(env: Env, accumulator: MetricsAccumulator, tenantId: string | null): Promise<void> | null {
  const delta = accumulator.take();
  if (!delta) return null;
  const sent: Promise<void> = metricsStub(env, tenantId)
    .ingest(delta)
    .then(
      () => undefined,
      (error: unknown) => {
        (tenantId === null ? ACCUMULATOR : tenantAccumulator(tenantId)).restore(delta);
        console.warn(JSON.stringify({ level: "warn", msg: "metrics flush failed; figures kept for the next batch", tenantId, error: String(error) }));
      },
    )
    .finally(() => IN_FLIGHT.delete(sent));
  IN_FLIGHT.add(sent);
  return sent;
}

/** Sends the gateway's delta and every tenant's (one DO call each), or null when nothing is pending. */
function send(env: Env): Promise<void> | null {
  const sends = [sendOne(env, ACCUMULATOR, null)];
  const tenants = [...TENANT_ACCUMULATORS];
  TENANT_ACCUMULATORS.clear();
  for (const [tenantId, accumulator] of tenants) sends.push(sendOne(env, accumulator, tenantId));
  const pending = sends.filter((p): p is Promise<void> => p !== null);
  return pending.length === 0 ? null : Promise.all(pending).then(() => undefined);
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
    TENANT_ACCUMULATORS.clear();
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
  const others = [...IN_FLIGHT];
  const own = send(env);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bounded = others.length
    ? Promise.race([Promise.all(others), new Promise<void>((resolve) => (timer = setTimeout(resolve, IN_FLIGHT_WAIT_MS)))]).finally(() => timer !== undefined && clearTimeout(timer))
    : Promise.resolve();
  await Promise.all([own, bounded]);
}

/**
 * Flushes this isolate, then reads the cross-isolate totals (`top` heaviest keys per capped
 * section): the gateway's (tenantId null), or one tenant's own series.
 */
export async function readMetrics(env: Env, top: number, tenantId: string | null = null): Promise<MetricsTotals> {
  await flushNow(env);
  return metricsStub(env, tenantId).read(top);
}

/** Liveness probe of the Metrics DO (for GET /health). */
export async function pingMetrics(env: Env): Promise<void> {
  await metricsStub(env).ping();
}
