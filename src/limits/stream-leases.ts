/** One token's open event streams as leases in its TokenState storage: taken on open, renewed while open, dropped on close. */
import { decideLease, type LeaseAnswer } from "../stream/caps";

/**
 * Counting in the token's object (not in a hub) keeps the cap right however streams are spread
 * over hubs; a lease that is not renewed (a Worker that died) ends by itself.
 */
export class StreamLeaseStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS stream_leases (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)");
  }

  /** Takes a lease for stream `id` when fewer than `max` are live (0 = no cap). */
  acquire(id: string, max: number, leaseMs: number, now: number): LeaseAnswer {
    this.#sql.exec("DELETE FROM stream_leases WHERE expires_at <= ?", now);
    const live = this.#sql.exec<{ expires_at: number }>("SELECT expires_at FROM stream_leases").toArray().map((r) => r.expires_at);
    const answer = decideLease(live, now, max);
    if (answer.ok) this.#sql.exec("INSERT OR REPLACE INTO stream_leases (id, expires_at) VALUES (?, ?)", id, now + leaseMs);
    return answer;
  }

  /** Extends a live lease; false when it has already ended (the stream should close). */
  renew(id: string, leaseMs: number, now: number): boolean {
    return this.#sql.exec("UPDATE stream_leases SET expires_at = ? WHERE id = ? AND expires_at > ?", now + leaseMs, id, now).rowsWritten > 0;
  }

  /** Ends a lease (the stream closed). */
  release(id: string): void {
    this.#sql.exec("DELETE FROM stream_leases WHERE id = ?", id);
  }
}
