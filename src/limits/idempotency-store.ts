/** One token's idempotency records in its Durable Object's SQLite storage, with waiters for in-flight keys and alarm-driven expiry. */
import { IDEMPOTENCY_TTL_MS, type IdempotencyRecord, IN_FLIGHT_LEASE_MS, type KeyLookup, lookupKey, type StoredResponse } from "./idempotency";

interface KeyRow extends Record<string, SqlStorageValue> {
  key: string;
  fingerprint: string;
  owner: string;
  status: number | null;
  body: string | null;
  content_type: string | null;
  created_at: number;
  expires_at: number;
}

function toRecord(row: KeyRow): IdempotencyRecord {
  return {
    key: row.key,
    fingerprint: row.fingerprint,
    owner: row.owner,
    response: row.status === null ? null : { status: row.status, body: row.body ?? "", contentType: row.content_type ?? "application/json" },
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/**
 * Records live in `idempotency_keys`; an alarm at the earliest expiry deletes what has expired, so
 * the table holds at most one day of the token's (rate-limited) keyed requests.
 */
export class IdempotencyStore {
  readonly #storage: DurableObjectStorage;
  readonly #waiters = new Map<string, Set<() => void>>();
  #alarmAt: number | null = null;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS idempotency_keys (
        key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, owner TEXT NOT NULL, status INTEGER, body TEXT,
        content_type TEXT, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`,
    );
    storage.sql.exec("CREATE INDEX IF NOT EXISTS idempotency_keys_expiry ON idempotency_keys (expires_at)");
  }

  /** Loads the scheduled alarm time; call once inside blockConcurrencyWhile. */
  async init(): Promise<void> {
    this.#alarmAt = await this.#storage.getAlarm();
  }

  /** The record for `key`, expired or not. */
  get(key: string): IdempotencyRecord | null {
    const row = this.#storage.sql.exec<KeyRow>("SELECT * FROM idempotency_keys WHERE key = ?", key).toArray()[0];
    return row ? toRecord(row) : null;
  }

  /** What a request with `fingerprint` gets for `key` now. */
  lookup(key: string, fingerprint: string, now: number): KeyLookup {
    return lookupKey(this.get(key), fingerprint, now);
  }

  /** Marks `key` in flight for `owner` (replacing an expired record). */
  hold(key: string, fingerprint: string, owner: string, now: number): void {
    this.#storage.sql.exec(
      `INSERT INTO idempotency_keys (key, fingerprint, owner, status, body, content_type, created_at, expires_at)
       VALUES (?, ?, ?, NULL, NULL, NULL, ?, ?)
       ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, owner = excluded.owner, status = NULL,
         body = NULL, content_type = NULL, created_at = excluded.created_at, expires_at = excluded.expires_at`,
      key,
      fingerprint,
      owner,
      now,
      now + IN_FLIGHT_LEASE_MS,
    );
    // In-flight leftovers only need some later sweep; finished records set the real schedule.
    if (this.#alarmAt === null) this.#schedule(now + IN_FLIGHT_LEASE_MS);
  }

  /**
   * Ends `owner`'s hold on `key`: keeps `response` for 24 h from the first request, or frees the key
   * when there is no response to keep (or keeping it would pass `maxBytes` for the token). Reports from an owner that lost the key are ignored.
   */
  finish(key: string, owner: string, response: StoredResponse | null, maxBytes = Number.POSITIVE_INFINITY): void {
    const record = this.get(key);
    if (!record || record.owner !== owner || record.response) return;
    if (response && this.keptBytes() + response.body.length > maxBytes) response = null;
    if (response) {
      const expiresAt = record.createdAt + IDEMPOTENCY_TTL_MS;
      this.#storage.sql.exec(
        "UPDATE idempotency_keys SET status = ?, body = ?, content_type = ?, expires_at = ? WHERE key = ?",
        response.status,
        response.body,
        response.contentType,
        expiresAt,
        key,
      );
      if (this.#alarmAt === null || expiresAt < this.#alarmAt) this.#schedule(expiresAt);
    } else {
      this.#storage.sql.exec("DELETE FROM idempotency_keys WHERE key = ?", key);
    }
    for (const wake of this.#waiters.get(key) ?? []) wake();
  }

  /**
   * Waits until `key` is no longer in flight (finished, freed, lease over) or `timeoutMs` passes,
   * and returns what the request with `fingerprint` gets then.
   */
  async wait(key: string, fingerprint: string, timeoutMs: number): Promise<KeyLookup> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = Date.now();
      const record = this.get(key);
      const found = lookupKey(record, fingerprint, now);
      if (found.kind !== "in_flight" || now >= deadline) return found;
      const leaseEnd = record?.expiresAt ?? now;
      let wake: () => void = () => undefined;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      const waiters = this.#waiters.get(key) ?? new Set();
      waiters.add(wake);
      this.#waiters.set(key, waiters);
      const timer = setTimeout(wake, Math.max(1, Math.min(deadline, leaseEnd) - now));
      await woken;
      clearTimeout(timer);
      waiters.delete(wake);
      if (waiters.size === 0) this.#waiters.delete(key);
    }
  }

  /** Bytes of response bodies this token keeps now (characters of the stored text). */
  keptBytes(): number {
    return this.#storage.sql.exec<{ n: number }>("SELECT COALESCE(SUM(LENGTH(body)), 0) AS n FROM idempotency_keys WHERE body IS NOT NULL AND expires_at > ?", Date.now()).one().n;
  }

  /** Deletes expired records and schedules the next sweep; the alarm handler. */
  sweep(now: number): number {
    const deleted = this.#storage.sql.exec("DELETE FROM idempotency_keys WHERE expires_at <= ?", now).rowsWritten;
    const next = this.#storage.sql.exec<{ next: number | null }>("SELECT MIN(expires_at) AS next FROM idempotency_keys").one().next;
    this.#alarmAt = null;
    if (next !== null) this.#schedule(next);
    return deleted;
  }

  #schedule(at: number): void {
    this.#alarmAt = at;
    void this.#storage.setAlarm(at);
  }
}
