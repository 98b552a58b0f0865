/** LimitCounter Durable Object: the shared rate-limit levels (`endpoint:<name>`, `global`). */
import { DurableObject } from "cloudflare:workers";
import type { Admission, LevelReservation, LevelSpec, LevelView } from "./limiter";
import { LimitStore } from "./limit-store";

/** One instance per `endpoint:<name>` and one `global`. Violations are counted by ops/metrics, not here. */
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
  admit(specs: LevelSpec[]): Admission {
    return this.#limits.admit(specs, Date.now());
  }

  /** Takes back an admission that another level refused. */
  release(specs: LevelSpec[], reservation: LevelReservation[]): void {
    this.#limits.release(specs, reservation, Date.now());
  }

  /** Writes the rate-limit levels to storage now instead of within FLUSH_MS (tests, maintenance). */
  flush(): void {
    this.#limits.flush();
  }

  /** The levels as they stand, admitting nothing. */
  peek(specs: LevelSpec[]): LevelView[] {
    return this.#limits.peek(specs, Date.now());
  }

}
