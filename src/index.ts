/** Worker entry: fetch is the Hono app; queue consumes deliveries, dead letters and the test destination queue; scheduled sweeps the outbox and runs retention; wires the engine's effects; DO classes re-exported (nothing else may be exported). */
import { createApp } from "./app";
import { getConfig } from "./config";
import { consumeDeadLetters, consumeDeliveries, consumeSink, DEAD_LETTER_QUEUE, SINK_QUEUES } from "./delivery/consumer";
import { sweep } from "./delivery/engine";
import { armSweeper } from "./delivery/store/outbox";
import { engineContext } from "./effects";
import { flushWhenDue } from "./ops/metrics";
import { retention } from "./ops/retention";
import { healthChecks } from "./ops/health";
import { watchHealth } from "./ops/operational-events";

export { EndpointGuard } from "./delivery/store/endpoint-guard";
export { Sweeper } from "./delivery/sweeper";
export { LimitCounter } from "./limits/limit-counter";
export { Metrics } from "./ops/metrics-do";
export { TokenState } from "./limits/token-state";
export { EventHub } from "./stream/event-hub";

const app = createApp({ engine: engineContext });
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

export default {
  fetch(request, env, ctx) {
    armOnce(env, ctx);
    return app.fetch(request, env, ctx);
  },

  async queue(batch, env, ctx) {
    armOnce(env, ctx);
    if (batch.queue === DEAD_LETTER_QUEUE) return consumeDeadLetters(env, batch);
    if (SINK_QUEUES.includes(batch.queue)) return consumeSink(env, batch);
    await consumeDeliveries(engineContext(env, ctx, "queue"), batch);
    flushWhenDue(env, ctx, getConfig(env));
  },

  /** Maintenance on the cron trigger: the outbox sweep, the health watch (system.health.*), then retention (bounded batches). */
  async scheduled(controller, env, ctx) {
    await sweep(env, Date.now(), getConfig(env).delivery.sweepGraceMs);
    await watchHealth(env, ctx, await healthChecks(env)).catch((error: unknown) => console.error(JSON.stringify({ level: "error", msg: "health watch failed", error: String(error) })));
    await retention(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
