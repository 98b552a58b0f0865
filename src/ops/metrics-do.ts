/** Metrics Durable Object: sums the delta batches isolates flush into SQLite rows and serves the running totals. */
import { DurableObject } from "cloudflare:workers";
import { fromRows, toRows, TOP_SECTIONS, type MetricRow, type MetricsSnapshot } from "./metrics-model";

/** Distinct keys kept per capped section (tokens, source IPs, rate-limited tokens): the heaviest survive. */
export const TOP_KEYS_KEPT = 1000;
/** A capped section is trimmed back to TOP_KEYS_KEPT only once it exceeds this, so trimming is rare. */
const TRIM_ABOVE = 1200;

/** The running totals and the window they cover. */
export interface MetricsTotals {
  snapshot: MetricsSnapshot;
  /** When the first batch arrived (epoch ms), or null before any. */
  since: number | null;
  /** When the last batch arrived (epoch ms), or null before any. */
  updatedAt: number | null;
}

/** One instance (`global`) for the whole gateway; shard by name and merge on read if it ever runs hot. */
export class Metrics extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS series (section TEXT NOT NULL, key TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (section, key)) WITHOUT ROWID`);
    sql.exec(`CREATE INDEX IF NOT EXISTS series_top ON series (section, value)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
  }

  /** Adds one isolate's delta to the totals in one transaction; returns the number of rows touched. */
  async ingest(delta: MetricsSnapshot): Promise<number> {
    const rows = toRows(delta);
    const now = Date.now();
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      for (const row of rows) {
        sql.exec(
          "INSERT INTO series (section, key, value) VALUES (?, ?, ?) ON CONFLICT (section, key) DO UPDATE SET value = value + excluded.value",
          row.section,
          row.key,
          row.value,
        );
      }
      sql.exec("INSERT INTO meta (name, value) VALUES ('since', ?) ON CONFLICT (name) DO NOTHING", now);
      sql.exec("INSERT INTO meta (name, value) VALUES ('updatedAt', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", now);
      for (const section of TOP_SECTIONS) {
        const { n } = sql.exec<{ n: number }>("SELECT count(*) AS n FROM series WHERE section = ?", section).one();
        if (n > TRIM_ABOVE) {
          sql.exec(
            "DELETE FROM series WHERE section = ? AND key NOT IN (SELECT key FROM series WHERE section = ? ORDER BY value DESC, key LIMIT ?)",
            section,
            section,
            TOP_KEYS_KEPT,
          );
        }
      }
    });
    return rows.length;
  }

  /** The totals, with only the `top` heaviest keys of each capped section. */
  async read(top: number): Promise<MetricsTotals> {
    const sql = this.ctx.storage.sql;
    const capped = TOP_SECTIONS.map(() => "?").join(", ");
    const rows: MetricRow[] = sql.exec<{ section: string; key: string; value: number }>(`SELECT section, key, value FROM series WHERE section NOT IN (${capped})`, ...TOP_SECTIONS).toArray();
    for (const section of TOP_SECTIONS) {
      rows.push(...sql.exec<{ section: string; key: string; value: number }>("SELECT section, key, value FROM series WHERE section = ? ORDER BY value DESC, key LIMIT ?", section, top).toArray());
    }
    const meta = new Map(sql.exec<{ name: string; value: number }>("SELECT name, value FROM meta").toArray().map((r) => [r.name, r.value]));
    return { snapshot: fromRows(rows), since: meta.get("since") ?? null, updatedAt: meta.get("updatedAt") ?? null };
  }

  /** Liveness probe used by GET /health. */
  async ping(): Promise<"pong"> {
    return "pong";
  }
}
