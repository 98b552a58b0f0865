/** Worker entry: fetch is the Hono app; queue consumes deliveries and dead letters; scheduled sweeps the outbox; DO and Workflow classes re-exported (nothing else may be exported). */
import { createApp } from "./app";
import { sendNotification } from "./actions/notify";
import { ruleWorkflowClass, wakeActiveRuns } from "./automation";
import { getConfig } from "./config";
import { consumeDeadLetters, DEAD_LETTER_QUEUE, parseDeliveryMessage, processDeliveries, settle, type DisabledNotice, type ProcessedMessage } from "./delivery/consumer";
import { armSweeper, sweepOutbox } from "./delivery/sweep";
import { withD1Limits } from "./lib/d1-limits";
import { flushWhenDue, recordDelivery } from "./ops/metrics";
import { retention } from "./ops/retention";
import { redactUrl } from "./lib/redact-url";
import { publishAll } from "./publish";
import { healthChecks } from "./ops/health";
import { announceFailedDeliveries, announceNotificationOutcomes, watchHealth } from "./ops/operational-events";

export { EndpointGuard } from "./delivery/endpoint-guard";
export { Sweeper } from "./delivery/sweep";
export { LimitCounter } from "./limits/limit-counter";
export { Metrics } from "./ops/metrics-do";
export { TokenState } from "./limits/token-state";
export { EventHub } from "./stream/event-hub";

/** The Workflow behind rule runs; its effects (publishing, notifying) are wired here. */
export const RuleWorkflow = ruleWorkflowClass({ publish: publishAll, notify: sendNotification });


const app = createApp();
let sweeperArmed = false;
const limitedEnvs = new WeakMap<Env, Env>();

/** The env every handler sees: D1's production size limits asserted on each statement (one wrapper per env). */
function limited(env: Env): Env {
  let wrapped = limitedEnvs.get(env);
  if (!wrapped) {
    wrapped = { ...env, DB: withD1Limits(env.DB) };
    limitedEnvs.set(env, wrapped);
  }
  return wrapped;
}

/** Arms the outbox sweeper once per isolate, so a restarted process recovers deliveries left in flight. */
function armOnce(env: Env, ctx: ExecutionContext): void {
  if (sweeperArmed) return;
  sweeperArmed = true;
  try {
    armSweeper(env, ctx);
  } catch {
    sweeperArmed = false;
  }
  ctx.waitUntil(wakeActiveRuns(env).catch((error: unknown) => console.error(JSON.stringify({ level: "error", msg: "waking runs failed", error: String(error) }))));
}

/** Publishes `subscription.disabled` for each subscription the consumer disabled. */
function announceDisabled(env: Env, ctx: ExecutionContext, notices: DisabledNotice[]): Promise<unknown> {
  return publishAll(
    env,
    ctx,
    notices.map((n) => ({ type: "subscription.disabled", data: { subscriptionId: n.subscriptionId, url: redactUrl(n.url), reason: n.reason, consecutiveFailures: n.consecutiveFailures } })),
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
  fetch(request, rawEnv, ctx) {
    const env = limited(rawEnv);
    armOnce(env, ctx);
    return app.fetch(request, env, ctx);
  },

  async queue(batch, rawEnv, ctx) {
    const env = limited(rawEnv);
    armOnce(env, ctx);
    if (batch.queue === DEAD_LETTER_QUEUE) return consumeDeadLetters(batch, env);
    const parsed = batch.messages.map((m) => parseDeliveryMessage(m.body));
    const { results, disabled } = await processDeliveries(env, parsed.filter((m) => m !== null));
    await settle(env, batch.messages, parsed, results);
    countOutcomes(results);
    flushWhenDue(env, ctx, getConfig(env));
    if (disabled.length > 0) ctx.waitUntil(announceDisabled(env, ctx, disabled));
    const outcomes = results.flatMap((r) => (r.outcome ? [r.outcome] : []));
    const logged = (what: string) => (error: unknown) => console.error(JSON.stringify({ level: "error", msg: `${what} not published`, error: String(error) }));
    ctx.waitUntil(announceFailedDeliveries(env, ctx, outcomes).catch(logged("delivery.failed")));
    ctx.waitUntil(announceNotificationOutcomes(env, ctx, outcomes).catch(logged("notify.sent (final status)")));
  },

  /** Maintenance on the cron trigger: the outbox sweep, the health watch (system.health.*), then retention (bounded batches). */
  async scheduled(controller, rawEnv, ctx) {
    const env = limited(rawEnv);
    await sweepOutbox(env, Date.now(), getConfig(env).delivery.sweepGraceMs);
    await watchHealth(env, ctx, await healthChecks(env)).catch((error: unknown) => console.error(JSON.stringify({ level: "error", msg: "health watch failed", error: String(error) })));
    await retention(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
