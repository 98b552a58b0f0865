/** LimitCounter Durable Object: the shared rate-limit levels (`tenant:<id>`, `endpoint:<name>`, `global:<shard>`, `ip:<shard>`, `source:<shard>`). */
import { DurableObject } from "cloudflare:workers";
import type { Admission, LevelReservation, LevelSpec, LevelView } from "./limiter";
import { LimitStore } from "./limit-store";

/**
 * One instance per `endpoint:<name>`, per global shard, and per shard of the keyed levels (client IPs,
 * sources), which keep one level per key under a `scope` prefix. Violations are counted by ops/metrics, not here.
 */
export class LimitCounter extends DurableObject<Env> {
  readonly #limits: LimitStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#limits = new LimitStore(ctx.storage.sql);
  }

  /** Liveness probe used by GET /health. */
  async ping(): Promise<"pong"> {
    return "pong";
  }

  /** Admits one request at all of this object's levels, or at none. */
  admit(specs: LevelSpec[], scope?: string): Admission {
    return this.#limits.admit(specs, Date.now(), scope);
  }

  /** Takes back an admission that another level refused. */
  release(specs: LevelSpec[], reservation: LevelReservation[], scope?: string): void {
    this.#limits.release(specs, reservation, Date.now(), scope);
  }

  /** Writes the rate-limit levels to storage now instead of within FLUSH_MS (tests, maintenance). */
  flush(): void {
    this.#limits.flush();
  }

  /** The levels as they stand, admitting nothing. */
  peek(specs: LevelSpec[], scope?: string): LevelView[] {
    return this.#limits.peek(specs, Date.now(), scope);
  }
}
