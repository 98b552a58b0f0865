/** The level states of one limiter Durable Object: authoritative in memory, written behind to its SQLite storage. */
import { type Admission, decide, type LevelReservation, type LevelSpec, type LevelState, type LevelView, peek, release } from "./limiter";

/**
 * How long changed levels wait before they are written. Writing on every request would make each
 * answer wait for a storage commit (the output gate); batching bounds what a crash can lose to this
 * much of the object's traffic, while the live object stays exact.
 */
export const FLUSH_MS = 100;
/** Above this many cached levels (per-IP keys), a flush empties the cache; SQLite reads are synchronous and cheap. */
export const MAX_CACHED_LEVELS = 10_000;

/**
 * Level states in memory, loaded from and written behind to `limit_levels`. The object runs one call
 * at a time and nothing here awaits, so a check and its count never interleave with another request's.
 */
export class LimitStore {
  readonly #sql: SqlStorage;
  readonly #cache = new Map<string, LevelState>();
  readonly #dirty = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS limit_levels (key TEXT PRIMARY KEY, state TEXT NOT NULL)");
  }

  /** Writes every changed level now (also run FLUSH_MS after the first change). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const key of this.#dirty) {
      this.#sql.exec(
        "INSERT INTO limit_levels (key, state) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET state = excluded.state",
        key,
        JSON.stringify(this.#cache.get(key)),
      );
    }
    this.#dirty.clear();
    if (this.#cache.size > MAX_CACHED_LEVELS) this.#cache.clear();
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
    this.#dirty.add(key);
    this.#timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /**
   * Admits one request at all `specs` or at none (see `decide`). `scope` prefixes the storage keys,
   * so one object can hold the levels of many subjects (e.g. one per client IP).
   */
  admit(specs: LevelSpec[], now: number, scope = ""): Admission {
    if (specs.length === 0) return { allowed: true, views: [], reservation: [] };
    const { admission, states } = decide(
      specs,
      specs.map((s) => this.#load(scope + s.key)),
      now,
    );
    // A refusal stores nothing: settling alone is recomputed on the next call.
    if (admission.allowed) specs.forEach((s, i) => this.#save(scope + s.key, states[i]!));
    return admission;
  }

  /** Takes a reservation back exactly (see `release`). */
  release(specs: LevelSpec[], reservation: LevelReservation[], now: number, scope = ""): void {
    for (const part of reservation) {
      const spec = specs.find((s) => s.key === part.key);
      const state = spec && this.#load(scope + part.key);
      if (spec && state) this.#save(scope + part.key, release(spec, state, part, now));
    }
  }

  /** The levels as they stand, admitting nothing. */
  peek(specs: LevelSpec[], now: number, scope = ""): LevelView[] {
    return peek(
      specs,
      specs.map((s) => this.#load(scope + s.key)),
      now,
    );
  }
}
