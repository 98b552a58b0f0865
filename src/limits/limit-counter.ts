/** LimitCounter Durable Object: the shared levels (`endpoint:<name>`, `global`) and the tally of rate-limit violations. */
import { DurableObject } from "cloudflare:workers";
import type { Admission, LevelName, LevelReservation, LevelSpec, LevelView } from "./limiter";
import { LimitStore } from "./limit-store";

/** One refused request, for the violation tally. */
export interface Violation {
  tokenId: string;
  endpoint: string;
  level: LevelName;
}

/** A row of the violation tally. */
export interface ViolationCount extends Violation {
  count: number;
  lastAt: number;
}

/** One instance per `endpoint:<name>` and one `global`; the `global` one also keeps the violation tally. */
export class LimitCounter extends DurableObject<Env> {
  readonly #limits: LimitStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#limits = new LimitStore(ctx.storage.sql);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS violations (
        token_id TEXT NOT NULL, endpoint TEXT NOT NULL, level TEXT NOT NULL, count INTEGER NOT NULL, last_at INTEGER NOT NULL,
        PRIMARY KEY (token_id, endpoint, level))`,
    );
  }

  /** Liveness probe used by GET /health. */
  async ping(): Promise<"pong"> {
    return "pong";
  }

  /** Admits one request at all of this object's levels, or at none. */
  admit(specs: LevelSpec[]): Admission {
    return this.#limits.admit(specs, Date.now());
  }

  /** Takes back an admission that another level refused, and/or counts the refusal. */
  release(specs: LevelSpec[], reservation: LevelReservation[] | null, violation: Violation | null): void {
    const now = Date.now();
    if (reservation) this.#limits.release(specs, reservation, now);
    if (violation) {
      this.ctx.storage.sql.exec(
        `INSERT INTO violations (token_id, endpoint, level, count, last_at) VALUES (?, ?, ?, 1, ?)
         ON CONFLICT (token_id, endpoint, level) DO UPDATE SET count = count + 1, last_at = excluded.last_at`,
        violation.tokenId,
        violation.endpoint,
        violation.level,
        now,
      );
    }
  }

  /** Writes the rate-limit levels to storage now instead of within FLUSH_MS (tests, maintenance). */
  flush(): void {
    this.#limits.flush();
  }

  /** The levels as they stand, admitting nothing. */
  peek(specs: LevelSpec[]): LevelView[] {
    return this.#limits.peek(specs, Date.now());
  }

  /** The violation tally, most violations first (for metrics). */
  violations(limit = 100): ViolationCount[] {
    return this.ctx.storage.sql
      .exec<{ token_id: string; endpoint: string; level: string; count: number; last_at: number }>(
        "SELECT token_id, endpoint, level, count, last_at FROM violations ORDER BY count DESC LIMIT ?",
        limit,
      )
      .toArray()
      .map((r) => ({ tokenId: r.token_id, endpoint: r.endpoint, level: r.level as LevelName, count: r.count, lastAt: r.last_at }));
  }
}
