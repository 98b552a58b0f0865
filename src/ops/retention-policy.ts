/** Retention policy (pure): which tables are trimmed, by which column, and the cutoff for each. */
import { DAY_MS } from "../lib/time";
import type { Config } from "../config";


/** One table the cron trims. */
export interface RetentionRule {
  table: string;
  /** An epoch-ms column: rows with a value below the cutoff are deleted. */
  column: string;
  /**
   * Which configured retention applies (`RETENTION_<X>_DAYS`), or `expired` for rows that carry
   * their own expiry time in `column` (dedup records, the queue sink), or `week` (a fixed 7 days:
   * coalescing notices, inspector requests).
   */
  keep: "events" | "deliveries" | "audit" | "expired" | "week";
}

/**
 * Every table retention knows, children before parents (attempts reference deliveries, deliveries
 * reference events). Tables that do not exist yet are skipped at run time, so a module adds its
 * table here when it creates one.
 */
export const RETENTION_RULES: readonly RetentionRule[] = [
  { table: "attempts", column: "created_at", keep: "deliveries" },
  { table: "deliveries", column: "created_at", keep: "deliveries" },
  { table: "events", column: "created_at", keep: "events" },
  { table: "audit", column: "created_at", keep: "audit" },
  { table: "source_deliveries", column: "expires_at", keep: "expired" },
  { table: "queue_sink", column: "expires_at", keep: "expired" },
  { table: "ops_notices", column: "created_at", keep: "week" },
  { table: "inspector_requests", column: "received_at", keep: "week" },
];

/** One table to trim now: delete rows whose `column` is below `cutoff`. */
export interface RetentionTask {
  table: string;
  column: string;
  cutoff: number;
}

/** The tasks for a run at `now`; a retention of 0 days keeps that kind of row forever. */
export function retentionPlan(retention: Config["retention"], now: number, rules: readonly RetentionRule[] = RETENTION_RULES): RetentionTask[] {
  const days = { events: retention.eventsDays, deliveries: retention.deliveriesDays, audit: retention.auditDays };
  const tasks: RetentionTask[] = [];
  for (const rule of rules) {
    if (rule.keep === "expired") {
      tasks.push({ table: rule.table, column: rule.column, cutoff: now });
    } else if (rule.keep === "week") {
      tasks.push({ table: rule.table, column: rule.column, cutoff: now - 7 * DAY_MS });
    } else if (days[rule.keep] > 0) {
      tasks.push({ table: rule.table, column: rule.column, cutoff: now - days[rule.keep] * DAY_MS });
    }
  }
  return tasks;
}
