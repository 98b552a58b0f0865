/** Retention run (the cron's maintenance): deletes rows past their retention in bounded batches, table by table. */
import { iso } from "../lib/time";
import { getConfig } from "../config";
import { payloadStore } from "../events/payload-store";
import { DAY_MS } from "../lib/time";
import { retentionPlan, type RetentionTask } from "./retention-policy";

/** Options for runRetention. */
export interface RetentionRunOptions {
  /** Rows per DELETE statement. */
  batchSize: number;
  /** DELETE statements per table per run; what is left waits for the next run. */
  maxBatches: number;
}

/** What a run did to one table. */
export interface TableOutcome {
  deleted: number;
  /** false when the batch cap stopped the run before the table was clean. */
  complete: boolean;
  /** Set when the table does not exist (yet) or its statement failed. */
  skipped?: "absent" | "error";
  error?: string;
}

/** Runs the tasks against D1: one probe for which tables exist, then bounded DELETEs per table. */
export async function runRetention(db: D1Database, tasks: RetentionTask[], options: RetentionRunOptions): Promise<Record<string, TableOutcome>> {
  const existing = new Set(
    (await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>()).results.map((r) => r.name),
  );
  const report: Record<string, TableOutcome> = {};
  for (const task of tasks) {
    if (!existing.has(task.table)) {
      report[task.table] = { deleted: 0, complete: true, skipped: "absent" };
      continue;
    }
    // Table and column names come from RETENTION_RULES (constants), never from input.
    const statement = db.prepare(`DELETE FROM ${task.table} WHERE rowid IN (SELECT rowid FROM ${task.table} WHERE ${task.column} < ? LIMIT ?)`);
    const outcome: TableOutcome = { deleted: 0, complete: false };
    try {
      for (let batch = 0; batch < options.maxBatches; batch++) {
        const changes = (await statement.bind(task.cutoff, options.batchSize).run()).meta.changes;
        outcome.deleted += changes;
        if (changes < options.batchSize) {
          outcome.complete = true;
          break;
        }
      }
    } catch (error) {
      outcome.skipped = "error";
      outcome.error = error instanceof Error ? error.message : String(error);
    }
    report[task.table] = outcome;
  }
  return report;
}

/** Deletes the stored payloads (D1 rows and R2 objects) of events past retention, in bounded batches. */
async function purgeEventPayloads(env: Env, config: ReturnType<typeof getConfig>["retention"], now: number): Promise<TableOutcome> {
  const outcome: TableOutcome = { deleted: 0, complete: config.eventsDays === 0 };
  if (config.eventsDays === 0) return outcome;
  const store = payloadStore(env);
  try {
    for (let batch = 0; batch < config.maxBatches && !outcome.complete; batch++) {
      const deleted = await store.purge("events/", now - config.eventsDays * DAY_MS, config.batchSize);
      outcome.deleted += deleted;
      outcome.complete = deleted < config.batchSize;
    }
  } catch (error) {
    outcome.skipped = "error";
    outcome.error = error instanceof Error ? error.message : String(error);
  }
  return outcome;
}

/** The cron's retention step at `now` (the trigger's scheduled time): plan from config, run, log one JSON line. */
export async function retention(env: Env, now: number): Promise<Record<string, TableOutcome>> {
  const config = getConfig(env).retention;
  // Event payloads first: an event row whose payload is gone reads as gone, never the other way round.
  const payloads = await purgeEventPayloads(env, config, now);
  const report = { payloads, ...(await runRetention(env.DB, retentionPlan(config, now), { batchSize: config.batchSize, maxBatches: config.maxBatches })) };
  const failed = Object.values(report).some((o) => o.skipped === "error");
  const line = JSON.stringify({ level: failed ? "error" : "info", msg: "retention", at: iso(now), tables: report });
  if (failed) console.error(line);
  else console.log(line);
  return report;
}
