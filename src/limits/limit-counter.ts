/** LimitCounter Durable Object: shared sliding windows for one endpoint or the global level. */
import { DurableObject } from "cloudflare:workers";

/** One instance per `endpoint:<name>` and one `global`; the limiter issue fills in its windows. */
export class LimitCounter extends DurableObject<Env> {
  /** Liveness probe used by GET /health. */
  async ping(): Promise<"pong"> {
    return "pong";
  }
}
