/** Worker entry: fetch is the Hono app; queue consumes deliveries; scheduled runs maintenance; DO classes re-exported. */
import { createApp } from "./app";

export { LimitCounter } from "./limits/limit-counter";
export { TokenState } from "./limits/token-state";
export { EventHub } from "./stream/event-hub";

const app = createApp();


export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
