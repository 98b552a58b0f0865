/** The level states of one limiter Durable Object in its SQLite storage; every method is synchronous, so each call is atomic. */
import { type Admission, decide, type LevelReservation, type LevelSpec, type LevelState, type LevelView, peek, release } from "./limiter";

/**
 * Level states kept in `limit_levels` and mirrored in memory. The object runs one call at a time and
 * nothing here awaits, so a check and its count can never interleave with another request's.
 */
export class LimitStore {
  readonly #sql: SqlStorage;
  readonly #cache = new Map<string, LevelState>();

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS limit_levels (key TEXT PRIMARY KEY, state TEXT NOT NULL)");
  }

  #load(key: string): LevelState | undefined {
    const hit = this.#cache.get(key);
    if (hit) return hit;
    const row = this.#sql.exec<{ state: string }>("SELECT state FROM limit_levels WHERE key = ?", key).toArray()[0];
    if (!row) return undefined;
    const state = JSON.parse(row.state) as LevelState;
    this.#cache.set(key, state);
    return state;
  }

  #save(key: string, state: LevelState): void {
    this.#cache.set(key, state);
    this.#sql.exec(
      "INSERT INTO limit_levels (key, state) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET state = excluded.state",
      key,
      JSON.stringify(state),
    );
  }

  /** Admits one request at all `specs` or at none (see `decide`). */
  admit(specs: LevelSpec[], now: number): Admission {
    if (specs.length === 0) return { allowed: true, views: [], reservation: [] };
    const { admission, states } = decide(
      specs,
      specs.map((s) => this.#load(s.key)),
      now,
    );
    // A refusal stores nothing: settling alone is recomputed on the next call.
    if (admission.allowed) specs.forEach((s, i) => this.#save(s.key, states[i]!));
    return admission;
  }

  /** Takes a reservation back exactly (see `release`). */
  release(specs: LevelSpec[], reservation: LevelReservation[], now: number): void {
    for (const part of reservation) {
      const spec = specs.find((s) => s.key === part.key);
      const state = spec && this.#load(part.key);
      if (spec && state) this.#save(part.key, release(spec, state, part, now));
    }
  }

  /** The levels as they stand, admitting nothing. */
  peek(specs: LevelSpec[], now: number): LevelView[] {
    return peek(
      specs,
      specs.map((s) => this.#load(s.key)),
      now,
    );
  }
}
