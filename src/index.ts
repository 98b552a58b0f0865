/** Worker entry: fetch is the Hono app; queue consumes deliveries, dead letters and the test destination queue; scheduled sweeps the outbox and runs retention; wires the engine's effects; DO and Workflow classes re-exported (nothing else may be exported). */
import { createApp } from "./app";
import { sendNotification } from "./actions/notify";
import { ruleWorkflowClass, wakeActiveRuns } from "./automation";
import { getConfig } from "./config";
import { consumeDeadLetters, consumeDeliveries, consumeSink, DEAD_LETTER_QUEUE, SINK_QUEUES } from "./delivery/consumer";
import { sweep } from "./delivery/engine";
import { attemptFirst } from "./delivery/fast-path";
import { armSweeper } from "./delivery/store/outbox";
import { engineContext } from "./effects";
import { withD1Limits } from "./lib/d1-limits";
import { flushWhenDue } from "./ops/metrics";
import { retention } from "./ops/retention";
import { publishAll, useFastPath } from "./publish";
import { healthChecks } from "./ops/health";
import { watchHealth } from "./ops/operational-events";

export { BatchWindow } from "./delivery/modes/batch-window";
export { EndpointGuard } from "./delivery/store/endpoint-guard";
export { Sweeper } from "./delivery/sweeper";
export { LimitCounter } from "./limits/limit-counter";
export { Metrics } from "./ops/metrics-do";
export { TokenState } from "./limits/token-state";
export { EventHub } from "./stream/event-hub";

/** The Workflow behind rule runs; its effects (publishing, notifying) are wired here. */
export const RuleWorkflow = ruleWorkflowClass({ publish: publishAll, notify: sendNotification });

const app = createApp({ engine: engineContext });
// The first attempt of a published delivery leaves from the publishing request (docs/ARCHITECTURE.md).
useFastPath((env, ctx, messages) => attemptFirst(engineContext(env, ctx, "publish"), messages));
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

export default {
  fetch(request, rawEnv, ctx) {
    const env = limited(rawEnv);
    armOnce(env, ctx);
    return app.fetch(request, env, ctx);
  },

  async queue(batch, rawEnv, ctx) {
    const env = limited(rawEnv);
    armOnce(env, ctx);
    if (batch.queue === DEAD_LETTER_QUEUE) return consumeDeadLetters(env, batch);
    if (SINK_QUEUES.includes(batch.queue)) return consumeSink(env, batch);
    await consumeDeliveries(engineContext(env, ctx, "queue"), batch);
    flushWhenDue(env, ctx, getConfig(env));
  },

  /** Maintenance on the cron trigger: the outbox sweep, the health watch (system.health.*), then retention (bounded batches). */
  async scheduled(controller, rawEnv, ctx) {
    const env = limited(rawEnv);
    await sweep(env, Date.now(), getConfig(env).delivery.sweepGraceMs);
    await watchHealth(env, ctx, await healthChecks(env)).catch((error: unknown) => console.error(JSON.stringify({ level: "error", msg: "health watch failed", error: String(error) })));
    await retention(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
