// Retention on the cron trigger through the Worker's scheduled handler: exactly the old rows go, in bounded batches.
import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { runRetention } from "../../src/ops/retention";
import { RETENTION_RULES } from "../../src/ops/retention-policy";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1, 12);

async function insertEvent(id: string, createdAt: number) {
  await env.DB.prepare("INSERT INTO events (id, type, data, metadata, created_at) VALUES (?, 'test.retention', '{}', NULL, ?)").bind(id, createdAt).run();
}

async function insertAudit(id: string, createdAt: number) {
  await env.DB.prepare("INSERT INTO audit (id, action, actor_token_id, target_type, target_id, request_id, details, created_at) VALUES (?, 'token.update', 'admin', 'token', 't', 'r', NULL, ?)")
    .bind(id, createdAt)
    .run();
}

async function ids(table: "events" | "audit") {
  return (await env.DB.prepare(`SELECT id FROM ${table} ORDER BY id`).all<{ id: string }>()).results.map((r) => r.id);
}

/** Runs the Worker's scheduled handler as the cron would, and returns the retention report it logged. */
async function runCron(vars: Record<string, string> = {}, scheduledTime = NOW) {
  const log = vi.spyOn(console, "log");
  try {
    const ctx = createExecutionContext();
    await (worker as ExportedHandler<Env>).scheduled!(createScheduledController({ scheduledTime, cron: "* * * * *" }), { ...env, ...vars }, ctx);
    await waitOnExecutionContext(ctx);
    const line = log.mock.calls.map((args) => String(args[0])).find((l) => l.includes('"msg":"retention"'));
    expect(line).toBeDefined();
    return JSON.parse(line!).tables as Record<string, { deleted: number; complete: boolean; skipped?: string }>;
  } finally {
    log.mockRestore();
  }
}

beforeEach(async () => {
  await env.DB.batch([env.DB.prepare("DELETE FROM events"), env.DB.prepare("DELETE FROM audit")]);
});

afterEach(() => vi.restoreAllMocks());

describe("retention (scheduled)", () => {
  it("deletes exactly the events older than 30 days and audit rows older than 90 days", async () => {
    await insertEvent("evt-old-1", NOW - 31 * DAY);
    await insertEvent("evt-old-2", NOW - 400 * DAY);
    await insertEvent("evt-edge", NOW - 30 * DAY);
    await insertEvent("evt-new", NOW - 29 * DAY);
    await insertAudit("aud-old", NOW - 91 * DAY);
    await insertAudit("aud-mid", NOW - 31 * DAY);
    await insertAudit("aud-new", NOW - DAY);
    const report = await runCron();
    expect(await ids("events")).toEqual(["evt-edge", "evt-new"]);
    expect(await ids("audit")).toEqual(["aud-mid", "aud-new"]);
    expect(report.events).toEqual({ deleted: 2, complete: true });
    expect(report.audit).toEqual({ deleted: 1, complete: true });
    // Every table a rule names exists in the schema (no dead rules) and is trimmed without error.
    const existing = new Set((await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>()).results.map((r) => r.name));
    for (const { table } of RETENTION_RULES) {
      expect(existing.has(table), table).toBe(true);
      expect(report[table], table).toEqual({ deleted: expect.any(Number), complete: true });
    }
  });

  it("uses the configured retention and keeps a kind forever at 0 days", async () => {
    await insertEvent("evt-8d", NOW - 8 * DAY);
    await insertEvent("evt-6d", NOW - 6 * DAY);
    await insertAudit("aud-8d", NOW - 8 * DAY);
    await runCron({ RETENTION_EVENTS_DAYS: "7", RETENTION_AUDIT_DAYS: "0" });
    expect(await ids("events")).toEqual(["evt-6d"]);
    expect(await ids("audit")).toEqual(["aud-8d"]);
  });

  it("deletes in bounded batches and finishes on the next run", async () => {
    for (let i = 0; i < 5; i++) await insertEvent(`evt-old-${i}`, NOW - 40 * DAY - i);
    await insertEvent("evt-keep", NOW);
    const small = { RETENTION_BATCH_SIZE: "2", RETENTION_MAX_BATCHES: "2" };
    expect((await runCron(small)).events).toEqual({ deleted: 4, complete: false });
    expect(await ids("events")).toHaveLength(2);
    expect((await runCron(small)).events).toEqual({ deleted: 1, complete: true });
    expect(await ids("events")).toEqual(["evt-keep"]);
  });

  it("goes on with the other tables when one fails, and reports it", async () => {
    await insertEvent("evt-old", NOW - 31 * DAY);
    const report = await runRetention(
      env.DB,
      [
        { table: "audit", column: "no_such_column", cutoff: NOW },
        { table: "events", column: "created_at", cutoff: NOW - 30 * DAY },
        { table: "not_a_table", column: "created_at", cutoff: NOW },
      ],
      { batchSize: 100, maxBatches: 1 },
    );
    expect(report.audit).toMatchObject({ deleted: 0, skipped: "error" });
    expect(report.audit!.error).toMatch(/no_such_column/);
    expect(report.events).toEqual({ deleted: 1, complete: true });
    expect(report.not_a_table).toEqual({ deleted: 0, complete: true, skipped: "absent" });
  });
});
