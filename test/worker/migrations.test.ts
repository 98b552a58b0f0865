// An old wave-1 database (built by schema.sql before migrations existed, holding rows) takes every migration without losing a row.
import { env } from "cloudflare:workers";
import { applyD1Migrations } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEFAULT_TENANT, TENANT_OWNED_TABLES } from "../../src/tenants/model";
import { diffShapes, schemaShape } from "./schema-shape";

type Row = Record<string, unknown>;

/** Tables a migration rebuilds from other tables (task_queue: the pending counts of tasks, per tenant since 0073). */
const DERIVED = ["task_queue"];

/** A value of the column's type, distinct per row number. */
function sample(table: string, column: { name: string; type: string }, n: number): unknown {
  if (column.type === "INTEGER") return 1000 + n;
  if (column.type === "REAL") return n + 0.5;
  return `${table}.${column.name}.${n}`;
}

describe("upgrading a wave-1 database", () => {
  it("keeps every row of every table and ends with the latest schema", async () => {
    const db = env.SCHEMA_DB;
    // migrations/0001_initial.sql is the wave-1 schema.sql verbatim: run it as schema.sql was run then.
    const [initial] = env.TEST_MIGRATIONS;
    expect(initial!.name).toBe("0001_initial.sql");
    await db.batch(initial!.queries.map((sql) => db.prepare(sql)));
    const tables = (await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{ name: string }>()).results.map((t) => t.name);
    expect(tables).toContain("events");
    expect(tables).not.toContain("d1_migrations");

    const before = new Map<string, Row[]>();
    for (const table of tables) {
      const columns = (await db.prepare(`PRAGMA table_info("${table}")`).all<{ name: string; type: string }>()).results;
      for (const n of [1, 2]) {
        const values = columns.map((c) => sample(table, c, n));
        await db.prepare(`INSERT INTO "${table}" (${columns.map((c) => `"${c.name}"`).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`).bind(...values).run();
      }
      before.set(table, (await db.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).all<Row>()).results);
    }

    await applyD1Migrations(db, env.TEST_MIGRATIONS);

    for (const [table, rows] of before) {
      if (DERIVED.includes(table)) continue;
      const after = (await db.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).all<Row>()).results;
      expect(after, `rows of ${table}`).toHaveLength(rows.length);
      // Columns added by later migrations may appear; every old column keeps its value.
      after.forEach((row, i) => expect(row, `${table} row ${i}`).toMatchObject(rows[i]!));
    }
    // Derived tables are rebuilt from their source rows, not kept.
    const pending = await db.prepare("SELECT tenant_id, priority_rank, COUNT(*) AS n FROM tasks WHERE status = 'pending' GROUP BY 1, 2").all();
    const queue = await db.prepare("SELECT tenant_id, priority_rank, pending AS n FROM task_queue WHERE pending > 0 ORDER BY 1, 2").all();
    expect(queue.results).toEqual(pending.results);
    // Every row from before tenants belongs to `default`, which exists.
    for (const table of TENANT_OWNED_TABLES.filter((t) => before.has(t))) {
      const tenants = (await db.prepare(`SELECT DISTINCT tenant_id FROM "${table}"`).all<{ tenant_id: string }>()).results.map((r) => r.tenant_id);
      expect(tenants, `tenants of ${table}`).toEqual([DEFAULT_TENANT]);
    }
    expect(await db.prepare("SELECT id FROM tenants").all()).toMatchObject({ results: [{ id: DEFAULT_TENANT }] });
    const applied = (await db.prepare("SELECT name FROM d1_migrations ORDER BY id").all<{ name: string }>()).results.map((r) => r.name);
    expect(applied).toEqual(env.TEST_MIGRATIONS.map((m) => m.name));
    const differences = diffShapes(await schemaShape(db), await schemaShape(env.DB), "upgraded wave-1 database", "fresh database");
    expect(differences, differences.join("\n")).toEqual([]);
  });
});
