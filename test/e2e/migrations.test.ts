// `wrangler d1 migrations apply DB --local` (what `npm run dev` runs) upgrades a local D1 made by the wave-1 schema.sql without losing rows.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations, executeD1 } from "../../scripts/wrangler-dev.mjs";

const state = mkdtempSync(join(tmpdir(), "edgehook-upgrade-"));
afterAll(() => rmSync(state, { recursive: true, force: true }));

const ROWS = `
INSERT INTO events (id, type, data, metadata, created_at) VALUES ('evt-old-1', 'task.created', '{"taskId":"task-1"}', NULL, 1700000000000);
INSERT INTO tasks (id, token_id, title, priority, priority_rank, status, expected, created_at, updated_at) VALUES ('task-1', 'admin', 'An old task', 'high', 0, 'pending', 'done', 1700000000000, 1700000000000);
`;

describe("local D1 upgrade", () => {
  // Each wrangler CLI run takes seconds on a loaded machine; three of them run here, one after another.
  it("applies every migration to a pre-migrations database and keeps its rows", { timeout: 240_000 }, () => {
    // The state a developer had before migrations: schema.sql (= 0001) executed directly, rows in it.
    const old = join(state, "wave1.sql");
    writeFileSync(old, readFileSync("migrations/0001_initial.sql", "utf8") + ROWS);
    executeD1(state, { file: old });
    applyMigrations(state);
    const [events, tasks, queue, applied] = executeD1(state, {
      json: true,
      command: "SELECT id, data FROM events; SELECT id, expected FROM tasks; SELECT pending FROM task_queue WHERE priority_rank = 0; SELECT name FROM d1_migrations ORDER BY id;",
    });
    expect(events).toEqual([{ id: "evt-old-1", data: '{"taskId":"task-1"}' }]);
    expect(tasks).toEqual([{ id: "task-1", expected: "done" }]);
    expect(queue).toEqual([{ pending: 1 }]);
    expect(applied[0]).toEqual({ name: "0001_initial.sql" });
  });
});
