/** EventHub Durable Object: open SSE streams and fan-out of published events. */
import { DurableObject } from "cloudflare:workers";

/** One hub per shard (one to start with). */
export class EventHub extends DurableObject<Env> {
  /** Liveness probe. */
  async ping(): Promise<"pong"> {
    return "pong";
  }
}
