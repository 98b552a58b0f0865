// A database built from migrations/ equals one built from schema.sql: tables, columns, indexes, triggers.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { diffShapes, schemaShape } from "./schema-shape";

describe("schema.sql documents the latest migration", () => {
  it("builds the same database as applying every migration in order", async () => {
    // env.DB was built by test/worker/setup.ts from migrations/; SCHEMA_DB is empty until now.
    await env.SCHEMA_DB.batch(env.TEST_SCHEMA.map((sql) => env.SCHEMA_DB.prepare(sql)));
    const fromMigrations = await schemaShape(env.DB);
    const fromSchema = await schemaShape(env.SCHEMA_DB);
    const differences = diffShapes(fromMigrations, fromSchema, "migrations", "schema.sql");
    // The message lists each difference, e.g. "column tasks.x: only in migrations (type TEXT, ...)".
    expect(differences, `migrations/ and schema.sql differ:\n  ${differences.join("\n  ")}\n`).toEqual([]);
    expect(fromSchema.has("table events")).toBe(true);
  });

  it("reports a difference by name (the check can fail)", async () => {
    const left = new Map([["column tasks.title", "type TEXT, NOT NULL, default (none), pk 0"], ["index tasks_queue", "on tasks (status)"]]);
    const right = new Map([["column tasks.title", "type TEXT, nullable, default (none), pk 0"], ["table extra", "exists"]]);
    expect(diffShapes(left, right, "migrations", "schema.sql")).toEqual([
      'column tasks.title: migrations has "type TEXT, NOT NULL, default (none), pk 0", schema.sql has "type TEXT, nullable, default (none), pk 0"',
      "index tasks_queue: only in migrations (on tasks (status))",
      "table extra: only in schema.sql (exists)",
    ]);
  });
});
