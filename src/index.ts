/** Worker entry: fetch is the Hono app; queue consumes deliveries and dead letters; scheduled sweeps the outbox; DO classes re-exported (nothing else may be exported). */
import { createApp } from "./app";
import { getConfig } from "./config";
import { consumeDeadLetters, DEAD_LETTER_QUEUE, parseDeliveryMessage, processDeliveries, settle, type DisabledNotice, type ProcessedMessage } from "./delivery/engine";
import { armSweeper, sweepOutbox } from "./delivery/sweeper";
import { flushWhenDue, recordDelivery } from "./ops/metrics";
import { retention } from "./ops/retention";
import { publishAll } from "./publish";

export { EndpointGuard } from "./delivery/store/endpoint-guard";
export { Sweeper } from "./delivery/sweeper";
export { LimitCounter } from "./limits/limit-counter";
export { Metrics } from "./ops/metrics-do";
export { TokenState } from "./limits/token-state";
export { EventHub } from "./stream/event-hub";


const app = createApp();
let sweeperArmed = false;

/** Arms the outbox sweeper once per isolate, so a restarted process recovers deliveries left in flight. */
function armOnce(env: Env, ctx: ExecutionContext): void {
  if (sweeperArmed) return;
  sweeperArmed = true;
  try {
    armSweeper(env, ctx);
  } catch {
    sweeperArmed = false;
  }
}

/** Publishes `subscription.disabled` for each subscription the consumer disabled. */
function announceDisabled(env: Env, ctx: ExecutionContext, notices: DisabledNotice[]): Promise<unknown> {
  return publishAll(
    env,
    ctx,
    notices.map((n) => ({ type: "subscription.disabled", data: { subscriptionId: n.subscriptionId, url: n.url, reason: n.reason, consecutiveFailures: n.consecutiveFailures } })),
  );
}

/** Counts each attempt's outcome for /metrics: success, retried, or failed (exhausted or not retryable). */
function countOutcomes(results: ProcessedMessage[]): void {
  for (const { outcome } of results) {
    if (!outcome) continue;
    recordDelivery(outcome.status === "retrying" ? "retried" : outcome.status, outcome.durationMs);
  }
}

export default {
  fetch(request, env, ctx) {
    armOnce(env, ctx);
    return app.fetch(request, env, ctx);
  },

  async queue(batch, env, ctx) {
    armOnce(env, ctx);
    if (batch.queue === DEAD_LETTER_QUEUE) return consumeDeadLetters(batch, env);
    const parsed = batch.messages.map((m) => parseDeliveryMessage(m.body));
    const { results, disabled } = await processDeliveries(env, parsed.filter((m) => m !== null));
    await settle(env, batch.messages, parsed, results);
    countOutcomes(results);
    flushWhenDue(env, ctx, getConfig(env));
    if (disabled.length > 0) ctx.waitUntil(announceDisabled(env, ctx, disabled));
  },

  /** Maintenance on the cron trigger: the outbox sweep, then retention (bounded batches). */
  async scheduled(controller, env, _ctx) {
    await sweepOutbox(env, Date.now(), getConfig(env).delivery.sweepGraceMs);
    await retention(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
