/** Worker entry: fetch is the Hono app; queue consumes deliveries; scheduled runs maintenance; DO classes re-exported. */
import { createApp } from "./app";
import { retention } from "./ops/retention";

export { LimitCounter } from "./limits/limit-counter";
export { Metrics } from "./ops/metrics-do";
export { TokenState } from "./limits/token-state";
export { EventHub } from "./stream/event-hub";

const app = createApp();

export default {
  fetch: app.fetch,
  /** Maintenance on the cron trigger: retention (the outbox sweep joins here). */
  async scheduled(controller, env) {
    await retention(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
