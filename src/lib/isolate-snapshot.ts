/** A per-isolate snapshot of a stored value, refreshed after a TTL, that never shares a pending promise between requests. */

/** A snapshot: `get` answers from the isolate while fresh, else loads; `forget` drops it. */
export interface IsolateSnapshot<T> {
  /** The value from the snapshot while younger than `ttlMs`, else from `load()` (which then refreshes it). */
  get(load: () => Promise<T>, ttlMs: number, now?: number): Promise<T>;
  /** Drops the snapshot; a load already under way when this is called does not store its (older) value. */
  forget(): void;
}

/**
 * A snapshot holding resolved values only. A request never awaits a load started by another:
 * workerd ties I/O to the request that began it, so a shared pending promise would never settle
 * if that request were cancelled. Requests that miss together each read once (at most once per TTL).
 */
export function isolateSnapshot<T>(): IsolateSnapshot<T> {
  let held: { loadedAt: number; value: T } | null = null;
  let generation = 0;
  return {
    async get(load, ttlMs, now = Date.now()) {
      if (held && now - held.loadedAt < ttlMs) return held.value;
      const started = generation;
      const value = await load();
      if (started === generation && (!held || held.loadedAt <= now)) held = { loadedAt: now, value };
      return value;
    },
    forget() {
      generation++;
      held = null;
    },
  };
}
