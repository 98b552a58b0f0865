/** TokenState Durable Object: per-token rate-limit windows and idempotency records. */
import { DurableObject } from "cloudflare:workers";

/** One instance per token id. */
export class TokenState extends DurableObject<Env> {
  /** Liveness probe. */
  async ping(): Promise<"pong"> {
    return "pong";
  }
}
